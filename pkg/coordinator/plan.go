package coordinator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Plan is what every shard and the coordinator must agree on before any
// traffic: everything that shapes the load (schedule, targets, client
// options, interval), and nothing that may differ between shards (the
// shard index, the output directory). Targets are carried as a count and a
// hash, so a plan stays small whatever the targets file holds.
type Plan struct {
	Shards         int           `json:"shards"`
	Name           string        `json:"name,omitempty"`
	Schedule       string        `json:"schedule"`
	Duration       time.Duration `json:"duration"`
	Interval       time.Duration `json:"interval"`
	Targets        int           `json:"targets"`
	TargetsHash    string        `json:"targets_hash"`
	Timeout        time.Duration `json:"timeout"`
	Workers        uint64        `json:"workers"`
	MaxWorkers     uint64        `json:"max_workers"`
	Connections    int           `json:"connections"`
	MaxConnections int           `json:"max_connections"`
	KeepAlive      bool          `json:"keepalive"`
	HTTP2          bool          `json:"http2"`
	H2C            bool          `json:"h2c"`
	Insecure       bool          `json:"insecure"`
	Redirects      int           `json:"redirects"`
	MaxBody        int64         `json:"max_body"`
	Client         string        `json:"client"`
	Pacing         string        `json:"pacing"`
}

// PlanOf is the plan of an attack of targets at schedule s with options o,
// split into shards. Secret header values (runrecord.IsSecretHeader) are
// left out of the targets' hash: shards may hold different credentials
// for the same test, and a hash of a short secret could be guessed.
func PlanOf(targets []vegeta.Target, s attack.Schedule, o attack.Options, interval time.Duration, shards int) Plan {
	if interval == 0 {
		interval = time.Second
	}
	return Plan{
		Shards:         shards,
		Name:           o.Name,
		Schedule:       s.String(),
		Duration:       o.Duration,
		Interval:       interval,
		Targets:        len(targets),
		TargetsHash:    targetsHash(targets),
		Timeout:        o.Timeout,
		Workers:        o.Workers,
		MaxWorkers:     o.MaxWorkers,
		Connections:    o.Connections,
		MaxConnections: o.MaxConnections,
		KeepAlive:      o.KeepAlive,
		HTTP2:          o.HTTP2,
		H2C:            o.H2C,
		Insecure:       o.Insecure,
		Redirects:      o.Redirects,
		MaxBody:        o.MaxBody,
		Client:         o.Client,
		Pacing:         o.Pacing,
	}
}

// targetsHash is a SHA-256 of the targets in order: method, URL, headers
// (sorted, secret values replaced) and a hash of the body.
func targetsHash(targets []vegeta.Target) string {
	h := sha256.New()
	for _, t := range targets {
		body := sha256.Sum256(t.Body)
		fmt.Fprintf(h, "%q %q %x\n", t.Method, t.URL, body)
		keys := make([]string, 0, len(t.Header))
		for k := range t.Header {
			keys = append(keys, http.CanonicalHeaderKey(k))
		}
		sort.Strings(keys)
		for _, k := range keys {
			vals := t.Header.Values(k)
			if runrecord.IsSecretHeader(k) {
				vals = []string{"REDACTED"}
			}
			fmt.Fprintf(h, "\t%q %q\n", k, vals)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Hash is a short, stable digest of the whole plan.
func (p Plan) Hash() string {
	b, _ := json.Marshal(p) // a struct of plain fields: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Diff lists the settings where p (a shard's) and q (the coordinator's)
// differ, as "schedule: constant 2500/1s here, constant 2000/1s at the
// coordinator", in field order. Empty when the plans agree.
func (p Plan) Diff(q Plan) []string {
	var out []string
	pv, qv := reflect.ValueOf(p), reflect.ValueOf(q)
	t := pv.Type()
	for i := range t.NumField() {
		a, b := pv.Field(i).Interface(), qv.Field(i).Interface()
		if a == b {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "targets_hash" && p.Targets != q.Targets {
			continue // the count says it already
		}
		if name == "targets_hash" {
			a, b = "hash "+short(p.TargetsHash), "hash "+short(q.TargetsHash)
			name = "targets (method, URL, headers or body)"
		}
		out = append(out, fmt.Sprintf("%s: %v here, %v at the coordinator", name, a, b))
	}
	return out
}

func short(h string) string { return h[:min(12, len(h))] }

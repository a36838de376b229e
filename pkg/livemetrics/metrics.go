package livemetrics

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Namespace prefixes every metric of an attack.
const Namespace = "loadgen"

// Native histogram settings shared by the latency histograms.
const (
	// BucketFactor bounds the growth from one native bucket to the next:
	// 1.1 gives schema 3, 8 buckets per power of two, each at most 9.05 %
	// wider than the one before (client_golang's recommended trade-off).
	BucketFactor = 1.1
	// maxBuckets bounds a native histogram's memory whatever the target
	// does; past it, client_golang halves the resolution rather than
	// reset, so counts stay whole (1 µs .. 1 h spans ~250 buckets at
	// schema 3, ~125 at schema 2).
	maxBuckets = 160
)

// zeroThreshold: observations at or below ~1 µs (2^-20 s, a bucket
// boundary as client_golang advises) share the zero bucket, the floor of
// the run record's HdrHistograms too.
var zeroThreshold = math.Ldexp(1, -20)

// Classic buckets for servers without native histograms, in seconds.
var (
	latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	lagBuckets     = []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5}
)

// maxRawErrors bounds the raw error messages cached to their counter (as
// the recorder does): messages that vary per request are grouped again
// each time instead of growing the cache.
const maxRawErrors = 256

// maxErrorGroups bounds the error label's values, as the run record's
// grouped errors are bounded.
const maxErrorGroups = 64

// otherErrors is the label value of errors past maxErrorGroups.
const otherErrors = "(other errors)"

// Source is the attack the metrics describe; *attack.Attacker is one.
type Source interface {
	Live() attack.Live
}

// Info is the attack's plan, exported as the labels of loadgen_attack_info.
type Info struct {
	Name     string
	Schedule string // like "constant 500/1s"
	Duration time.Duration
	Client   string // net or fast
	Pacing   string
	Targets  []string // "METHOD URL", secrets redacted
	// TraceSample is the sampled fraction when tracing, negative when not.
	TraceSample float64
	Shard       string // "2/8" for a shard, "" otherwise
	// Redactor masks known secrets (besides runrecord's rules) in the
	// error labels, as in the run record (nil: the rules alone).
	Redactor *runrecord.Redactor
}

// Metrics are one attack's metrics: a prometheus.Collector fed by Observe
// with every result. Observe costs no allocation, except when it attaches
// an exemplar (a few times per second at most).
type Metrics struct {
	src  Source
	info prometheus.Collector
	red  *runrecord.Redactor // masks known secrets in error labels
	sent, due, inFlight, conns, workers, behind,
	missedMetric prometheus.Collector

	latency, service, lag prometheus.Histogram
	requests              *prometheus.CounterVec
	errors                *prometheus.CounterVec

	mu      sync.Mutex
	missed  float64
	codes   map[uint16]prometheus.Counter
	rawErrs map[string]prometheus.Counter
	groups  map[string]prometheus.Counter
	// Exemplars mark new maxima of the current second: each second's
	// slowest traced requests, found at a cost of O(log n) exemplars.
	exSec            int64
	exLat, exService time.Duration
}

// New returns the metrics of the attack src, whose plan is info.
func New(src Source, info Info) *Metrics {
	m := &Metrics{
		src:     src,
		codes:   map[uint16]prometheus.Counter{},
		rawErrs: map[string]prometheus.Counter{},
		groups:  map[string]prometheus.Counter{},
	}
	hist := func(name, help string, classic []float64) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Name: name, Help: help,
			Buckets:                         classic,
			NativeHistogramBucketFactor:     BucketFactor,
			NativeHistogramZeroThreshold:    zeroThreshold,
			NativeHistogramMaxBucketNumber:  maxBuckets,
			NativeHistogramMinResetDuration: 0, // never reset: lower the resolution instead
		})
	}
	m.latency = hist("request_latency_seconds",
		"Latency from each request's intended send time to the end of its response (free of coordinated omission).", latencyBuckets)
	m.service = hist("request_service_latency_seconds",
		"Latency from the moment each request actually left to the end of its response.", latencyBuckets)
	m.lag = hist("dispatch_lag_seconds",
		"Actual minus intended send time of each request: how late the generator sent it.", lagBuckets)
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "requests_total",
		Help: "Requests completed, by HTTP status code (0: no response)."}, []string{"code"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "request_errors_total",
		Help: "Requests failed, by grouped error message (as in the run record's errors)."}, []string{"error"})

	live := func() attack.Live { return m.src.Live() }
	m.sent = prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: "requests_sent_total",
		Help: "Requests sent."}, func() float64 { return float64(live().Sent) })
	m.due = prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: "slots_due_total",
		Help: "Slots of the schedule due so far (the requests that should have been sent by now)."},
		func() float64 { return float64(live().Due) })
	m.behind = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "slots_behind",
		Help: "Slots due but not sent yet: the generator is behind its schedule; those left when sending stops are missed."},
		func() float64 { l := live(); return float64(l.Due - min(l.Due, l.Sent)) })
	m.inFlight = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "requests_in_flight",
		Help: "Requests sent and not yet completed."}, func() float64 { return float64(live().InFlight) })
	m.conns = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "connections",
		Help: "Connections to the targets open now."}, func() float64 { return float64(live().Conns) })
	m.workers = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "workers",
		Help: "Workers now (each sends one request at a time; they grow while slots wait and retire when the load needs far fewer)."}, func() float64 { return float64(live().Workers) })
	m.missedMetric = prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: "missed_total",
		Help: "Slots due but never sent, known when sending stops (see loadgen_slots_behind while it runs)."},
		func() float64 { m.mu.Lock(); defer m.mu.Unlock(); return m.missed })
	m.info = infoMetric(info)
	m.red = info.Redactor
	return m
}

// infoMetric is the plan as the labels of a constant 1, the Prometheus
// idiom for "info" (join on it, or read it in a dashboard's header).
func infoMetric(in Info) prometheus.Collector {
	target := ""
	if len(in.Targets) > 0 {
		target = in.Targets[0]
	}
	trace := "off"
	if in.TraceSample >= 0 {
		trace = strconv.FormatFloat(in.TraceSample, 'g', -1, 64)
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "attack_info",
		Help: "The attack's plan, as labels; the value is always 1.",
		ConstLabels: prometheus.Labels{
			"name": in.Name, "schedule": in.Schedule, "duration": in.Duration.String(),
			"client": in.Client, "pacing": in.Pacing,
			"targets": strconv.Itoa(len(in.Targets)), "target": target,
			"trace_sample": trace, "shard": in.Shard,
		},
	})
	g.Set(1)
	return g
}

// Observe counts one result. It is safe for concurrent use.
func (m *Metrics) Observe(r *attack.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counter(r.Code).Inc()
	if r.Error != "" {
		m.errorCounter(r.Error).Inc()
	}
	m.lag.Observe(r.Lag.Seconds())
	if r.TraceID.IsZero() || !r.Sampled {
		m.latency.Observe(r.Latency.Seconds())
		m.service.Observe(r.Service.Seconds())
		return
	}
	if sec := r.End.Unix(); sec != m.exSec {
		m.exSec, m.exLat, m.exService = sec, 0, 0
	}
	var trace prometheus.Labels
	observe(m.latency, r.Latency, &m.exLat, r.TraceID, &trace)
	observe(m.service, r.Service, &m.exService, r.TraceID, &trace)
}

// observe records d, with the trace id as an exemplar when d is the
// slowest of its second so far. client_golang advises against exemplars
// at a high rate (it locks and allocates for each); new maxima of a
// second are few, and they are the requests worth following.
func observe(h prometheus.Histogram, d time.Duration, slowest *time.Duration, id attack.TraceID, labels *prometheus.Labels) {
	if d <= *slowest {
		h.Observe(d.Seconds())
		return
	}
	*slowest = d
	if *labels == nil {
		*labels = prometheus.Labels{"trace_id": id.String()}
	}
	h.(prometheus.ExemplarObserver).ObserveWithExemplar(d.Seconds(), *labels)
}

func (m *Metrics) counter(code uint16) prometheus.Counter {
	c, ok := m.codes[code]
	if !ok {
		c = m.requests.WithLabelValues(strconv.Itoa(int(code)))
		m.codes[code] = c
	}
	return c
}

func (m *Metrics) errorCounter(msg string) prometheus.Counter {
	if c, ok := m.rawErrs[msg]; ok {
		return c
	}
	group := runrecord.NormalizeError(m.red.Text(msg))
	c, ok := m.groups[group]
	if !ok {
		if len(m.groups) >= maxErrorGroups {
			group = otherErrors
		}
		c = m.errors.WithLabelValues(group)
		m.groups[group] = c
	}
	if len(m.rawErrs) < maxRawErrors {
		m.rawErrs[msg] = c
	}
	return c
}

// Finish records how the attack ended: its missed slots.
func (m *Metrics) Finish(out attack.Outcome) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.missed = float64(out.Missed)
}

// Describe sends nothing: the metrics are unchecked, so that one attack's
// can replace another's in a registry (see Server.Attach).
func (m *Metrics) Describe(chan<- *prometheus.Desc) {}

// Collect sends every metric of the attack.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range []prometheus.Collector{m.info, m.latency, m.service, m.lag, m.requests, m.errors,
		m.sent, m.due, m.behind, m.inFlight, m.conns, m.workers, m.missedMetric} {
		c.Collect(ch)
	}
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/manifests"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// kubeFlags are the Kubernetes settings of `loadgen kubernetes`.
type kubeFlags struct {
	image       string
	namespace   string
	pullPolicy  string
	port        int
	shardCPU    string
	shardMemory string
}

func (k *kubeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.image, "image", "loadgen:latest", "container image with the loadgen binary (build it with deploy/kubernetes/Dockerfile and push it where the cluster pulls from)")
	fs.StringVar(&k.namespace, "namespace", "default", "namespace of every object")
	fs.StringVar(&k.pullPolicy, "image-pull-policy", "", "Always, IfNotPresent or Never (default: the cluster's)")
	fs.IntVar(&k.port, "port", manifests.DefaultPort, "port the coordinator listens on for its shards")
	fs.StringVar(&k.shardCPU, "shard-cpu", manifests.DefaultShardCPU, "CPU request of each shard (no limit: throttling would show up as latency)")
	fs.StringVar(&k.shardMemory, "shard-memory", manifests.DefaultShardMemory, "memory request and limit of each shard")
}

// planSetting reports whether a flag belongs in the plan the pods read
// (the ConfigMap's profile) rather than in the manifests' own fields.
func planSetting(name string, attackSet *flag.FlagSet) bool {
	switch name {
	case "join-timeout", "barrier-timeout", "shard-timeout":
		return true
	case "out":
		return false
	}
	return attackSet.Lookup(name) != nil
}

const kubernetesSynopsis = "-shards N [-image IMAGE] [-namespace NS] [flags] [attack flags] [PROFILE.yaml]"

func runKubernetes(args []string, stdout, stderr io.Writer) error {
	var (
		af attackFlags
		cf coordFlags
		kf kubeFlags
		sf shardFlags
	)
	fs, _, err := parseWithProfile("kubernetes", kubernetesSynopsis, args, stderr, func(fs *flag.FlagSet) {
		af, cf, kf, sf = attackFlags{}, coordFlags{}, kubeFlags{}, shardFlags{}
		af.register(fs)
		cf.register(fs)
		kf.register(fs)
		sf.register(fs)
	})
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case set["shard"] || set["coordinator"]:
		return usagef("-shard and -coordinator are set by the manifests (each pod's index, the coordinator's Service)")
	case set["listen"]:
		return usagef("-listen is set by the manifests; give -port")
	case cf.shards < 1:
		return usagef("-shards N is required: how many shard pods (the Indexed Job's completions and parallelism)")
	case len(af.collect.headers) > 0:
		return usagef("-collect-header: loadgen kubernetes does not print credentials into manifests; give the collector an endpoint that needs none")
	}
	af.parsed(fs, stderr)
	af.out = manifests.RecordsDir + "/plan"
	if af.conn.lazy {
		return usagef("-lazy: every pod needs every target, and a stream is read once by one generator: give it a targets file without -lazy")
	}
	plan, err := af.plan(args)
	if err != nil {
		return err
	}
	if _, err := attack.New(plan.Targets, plan.Schedule, plan.Options); err != nil {
		return usageError{inFlagWords(err)}
	}
	for _, t := range plan.Targets {
		for k := range t.Header {
			if runrecord.IsSecretHeader(k) {
				return usagef("header %s of %s: loadgen kubernetes does not print credentials into manifests (they would be on stdout and in the ConfigMap); run loadgen in your cluster without a secret header, or keep it out of the printed plan", k, runrecord.RedactURL(t.URL))
			}
		}
		if runrecord.RedactURL(t.URL) != t.URL {
			return usagef("target %s: loadgen kubernetes does not print credentials in URLs into manifests", runrecord.RedactURL(t.URL))
		}
	}

	attackSet := newFlagSet("attack", "", io.Discard)
	var probe attackFlags
	probe.register(attackSet)
	files := map[string]string{}
	var doc yaml.Node
	doc.Kind = yaml.MappingNode
	var fileErr error
	fs.Visit(func(f *flag.Flag) {
		if !planSetting(f.Name, attackSet) || fileErr != nil {
			return
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Value: f.Name}
		var val *yaml.Node
		switch v := f.Value.(type) {
		case *stringList:
			val = &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, s := range *v {
				val.Content = append(val.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: s})
			}
		default:
			s := f.Value.String()
			if f.Name == "targets" || f.Name == "body" {
				// The file travels in the ConfigMap, next to the profile
				// (relative paths are read from the profile's directory).
				b, err := os.ReadFile(s)
				if err != nil {
					fileErr = usagef("-%s: %w", f.Name, err)
					return
				}
				name := f.Name + "-" + configMapKey(filepath.Base(s))
				files[name] = string(b)
				s = name
			}
			val = &yaml.Node{Kind: yaml.ScalarNode, Value: s}
		}
		doc.Content = append(doc.Content, key, val)
	})
	if fileErr != nil {
		return fileErr
	}
	profile, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	files[manifests.ProfileFile] = "# The plan every pod of this run reads: 'loadgen attack' flags as keys.\n" + string(profile)
	name := af.name
	if name == "" {
		name = "loadgen"
	}
	objs, err := manifests.Build(manifests.Config{
		Name:            dnsName(name),
		Namespace:       kf.namespace,
		Image:           kf.image,
		ImagePullPolicy: kf.pullPolicy,
		Shards:          cf.shards,
		Port:            kf.port,
		Files:           files,
		ShardCPU:        kf.shardCPU,
		ShardMemory:     kf.shardMemory,
		Hold:            cf.hold,
	})
	if errors.Is(err, manifests.ErrConfig) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# Generated by: loadgen kubernetes %s\n", strings.Join(redactArgs(args), " "))
	fmt.Fprintf(stdout, "# Needs Kubernetes 1.33 or later (Indexed Job with backoffLimitPerIndex). Apply with kubectl apply -f FILE;\n")
	fmt.Fprintf(stdout, "# follow with kubectl logs -n %s -f job/%s.\n", kf.namespace, manifests.CoordinatorName(dnsName(name)))
	return manifests.Write(stdout, objs)
}

// dnsName makes an attack name a DNS label: lower case, '-' for the rest.
func dnsName(s string) string {
	s = strings.ToLower(s)
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '-'
		}
	}
	out := strings.Trim(string(b), "-")
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "lg-" + out
	}
	return out[:min(len(out), 51)]
}

// configMapKey keeps the characters a ConfigMap key may hold.
func configMapKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

// Package manifests builds the Kubernetes objects of a sharded loadgen
// run, the way `kubectl create --dry-run=client -o yaml` prints them: a
// ConfigMap with the load profile, the coordinator as a Job behind a
// headless Service, and the shards as an Indexed Job whose pods read
// their shard index from JOB_COMPLETION_INDEX.
//
//	objs, err := manifests.Build(manifests.Config{Name: "checkout", Namespace: "load",
//		Image: "registry.example.com/loadgen:v1", Shards: 4,
//		Files: map[string]string{manifests.ProfileFile: "rate: 10000\nduration: 60s\nurl: http://checkout:8080/\n"}})
//	err = manifests.Write(os.Stdout, objs)
//
// The fields need Kubernetes 1.33 or later: Indexed Jobs are GA since
// 1.24, the Pod failure policy since 1.31, backoffLimitPerIndex (and the
// FailIndex action) since 1.33.
package manifests

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// Where things are inside the containers.
const (
	ProfileFile = "plan.yaml" // the load profile, a key of the ConfigMap
	PlanDir     = "/plan"     // where the ConfigMap is mounted
	RecordsDir  = "/records"  // an emptyDir for run records
	Container   = "loadgen"   // the container's name in every pod
	// IndexEnv is set by Kubernetes in every pod of an Indexed Job.
	IndexEnv = "JOB_COMPLETION_INDEX"
)

// Defaults for Config fields left zero.
const (
	DefaultPort        = 7070
	DefaultShardCPU    = "1"
	DefaultShardMemory = "512Mi"
	DefaultHold        = time.Hour
)

// Config describes one sharded run.
type Config struct {
	// Name prefixes every object's name; a DNS-1123 label.
	Name      string
	Namespace string
	Image     string
	// ImagePullPolicy is Always, IfNotPresent or Never ("": the cluster's default).
	ImagePullPolicy string
	Shards          int
	Port            int
	// Files is the ConfigMap's data: ProfileFile, and the files the
	// profile names (targets, body) by their key.
	Files map[string]string
	// ShardCPU and ShardMemory are each shard's requests (quantities like
	// "1" and "512Mi"); memory is also its limit. CPU has no limit: CFS
	// throttling would stall the generator and show up as latency.
	ShardCPU, ShardMemory string
	// Hold keeps the coordinator's pod up after the record is written, so
	// it can be copied out with kubectl cp.
	Hold time.Duration
}

// Labels every object carries; the component label tells the
// coordinator's pods from the shards'.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelComponent = "app.kubernetes.io/component"
)

// Names of the objects of a run called name.
func ConfigMapName(name string) string   { return name + "-plan" }
func CoordinatorName(name string) string { return name + "-coordinator" }
func ShardsName(name string) string      { return name + "-shards" }

// CoordinatorURL is how shards reach the coordinator: the headless
// Service's DNS name, which resolves to the coordinator's pod.
func CoordinatorURL(c Config) string {
	return fmt.Sprintf("http://%s.%s.svc:%d", CoordinatorName(c.Name), c.Namespace, c.Port)
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ErrConfig is wrapped by every error about a Config.
var ErrConfig = errors.New("bad manifest configuration")

func (c *Config) check() error {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.ShardCPU == "" {
		c.ShardCPU = DefaultShardCPU
	}
	if c.ShardMemory == "" {
		c.ShardMemory = DefaultShardMemory
	}
	if c.Namespace == "" {
		c.Namespace = "default"
	}
	// The longest name is NAME-coordinator, and a Service name is a
	// DNS-1035 label of at most 63 characters.
	switch {
	case !dnsLabel.MatchString(c.Name) || len(CoordinatorName(c.Name)) > 63 || c.Name[0] >= '0' && c.Name[0] <= '9':
		return fmt.Errorf("%w: name %q: want lower-case letters, digits and '-', starting with a letter, at most 51 characters", ErrConfig, c.Name)
	case !dnsLabel.MatchString(c.Namespace):
		return fmt.Errorf("%w: namespace %q is not a DNS label", ErrConfig, c.Namespace)
	case c.Image == "":
		return fmt.Errorf("%w: no image", ErrConfig)
	case c.Shards < 1:
		return fmt.Errorf("%w: shards must be at least 1", ErrConfig)
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("%w: port %d", ErrConfig, c.Port)
	case c.Files[ProfileFile] == "":
		return fmt.Errorf("%w: no %s in Files", ErrConfig, ProfileFile)
	}
	switch c.ImagePullPolicy {
	case "", string(corev1.PullAlways), string(corev1.PullIfNotPresent), string(corev1.PullNever):
	default:
		return fmt.Errorf("%w: image pull policy %q: want Always, IfNotPresent or Never", ErrConfig, c.ImagePullPolicy)
	}
	for _, q := range []string{c.ShardCPU, c.ShardMemory} {
		if _, err := resource.ParseQuantity(q); err != nil {
			return fmt.Errorf("%w: %q is not a Kubernetes quantity: %v", ErrConfig, q, err)
		}
	}
	size := 0
	for k, v := range c.Files {
		size += len(k) + len(v)
	}
	if size > 1<<20-4096 {
		return fmt.Errorf("%w: the plan's files take %d bytes; a ConfigMap holds at most 1 MiB", ErrConfig, size)
	}
	return nil
}

// Build returns the run's objects in the order to apply them: the
// ConfigMap, the coordinator's Service and Job, the shards' Job.
func Build(c Config) ([]runtime.Object, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	labels := func(component string) map[string]string {
		return map[string]string{LabelName: "loadgen", LabelInstance: c.Name, LabelComponent: component}
	}
	meta := func(name, component string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: c.Namespace, Labels: labels(component)}
	}
	profile := PlanDir + "/" + ProfileFile

	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(ConfigMapName(c.Name), "plan"),
		Data:       c.Files,
	}
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta(CoordinatorName(c.Name), "coordinator"),
		Spec: corev1.ServiceSpec{
			// Headless: the name resolves straight to the coordinator's
			// pod, with no proxy between shards and coordinator, and
			// before the pod is ready, so shards may start first.
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 labels("coordinator"),
			Ports: []corev1.ServicePort{{Name: "http", Port: int32(c.Port),
				TargetPort: intstr.FromInt32(int32(c.Port)), Protocol: corev1.ProtocolTCP}},
		},
	}
	hold := c.Hold
	if hold == 0 {
		hold = DefaultHold
	}
	coordArgs := []string{"coordinator",
		"-shards", strconv.Itoa(c.Shards),
		"-listen", ":" + strconv.Itoa(c.Port),
		"-out", RecordsDir + "/" + c.Name,
		"-hold", hold.String(),
		profile}
	coordJob := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta(CoordinatorName(c.Name), "coordinator"),
		Spec: batchv1.JobSpec{
			Completions:  ptr(int32(1)),
			Parallelism:  ptr(int32(1)),
			BackoffLimit: ptr(int32(0)), // a second coordinator would be a second run
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels("coordinator")},
				Spec: c.podSpec(coordArgs, corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
				}, &corev1.ContainerPort{Name: "http", ContainerPort: int32(c.Port), Protocol: corev1.ProtocolTCP}),
			},
		},
	}
	shardArgs := []string{"run",
		"-shard", "env:" + IndexEnv + "/" + strconv.Itoa(c.Shards),
		"-coordinator", CoordinatorURL(c),
		"-out", RecordsDir + "/shard",
		profile}
	n := int32(c.Shards)
	shardSpec := c.podSpec(shardArgs, corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(c.ShardCPU), corev1.ResourceMemory: resource.MustParse(c.ShardMemory)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(c.ShardMemory)},
	}, nil)
	// Spread shards over nodes: more source addresses, and one node's
	// trouble costs one shard.
	shardSpec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       "kubernetes.io/hostname",
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: labels("shard")},
	}}
	shards := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta(ShardsName(c.Name), "shard"),
		Spec: batchv1.JobSpec{
			CompletionMode: ptr(batchv1.IndexedCompletion),
			Completions:    &n,
			Parallelism:    &n, // all at once: they start together at the barrier
			// A restarted shard would send its share of the schedule
			// late, or twice: an index that fails stays failed, the
			// others go on, and the coordinator names the lost one.
			BackoffLimitPerIndex: ptr(int32(0)),
			PodReplacementPolicy: ptr(batchv1.Failed),
			PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
				{
					Action: batchv1.PodFailurePolicyActionFailIndex,
					OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
						ContainerName: ptr(Container),
						Operator:      batchv1.PodFailurePolicyOnExitCodesOpNotIn,
						Values:        []int32{0},
					},
				},
				{
					// An evicted or preempted shard is not retried either.
					Action:          batchv1.PodFailurePolicyActionFailIndex,
					OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}},
				},
			}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels("shard")},
				Spec:       shardSpec,
			},
		},
	}
	return []runtime.Object{cm, svc, coordJob, shards}, nil
}

// podSpec is a pod of one loadgen container that runs args, with the plan
// mounted read-only and an emptyDir for records, as a non-root user on a
// read-only root file system (the restricted Pod Security Standard).
func (c Config) podSpec(args []string, res corev1.ResourceRequirements, port *corev1.ContainerPort) corev1.PodSpec {
	ctr := corev1.Container{
		Name:            Container,
		Image:           c.Image,
		ImagePullPolicy: corev1.PullPolicy(c.ImagePullPolicy),
		Args:            args,
		Resources:       res,
		VolumeMounts: []corev1.VolumeMount{
			{Name: "plan", MountPath: PlanDir, ReadOnly: true},
			{Name: "records", MountPath: RecordsDir},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
	if port != nil {
		ctr.Ports = []corev1.ContainerPort{*port}
	}
	return corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		// The coordinator and the shards finish their record on SIGTERM.
		TerminationGracePeriodSeconds: ptr(int64(60)),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(true),
			RunAsUser:      ptr(int64(65532)),
			RunAsGroup:     ptr(int64(65532)),
			FSGroup:        ptr(int64(65532)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{ctr},
		Volumes: []corev1.Volume{
			{Name: "plan", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMapName(c.Name)},
			}}},
			{Name: "records", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

// Write prints objects as one YAML stream, "---" between documents, like
// kubectl's -o yaml for a list of objects applied together.
func Write(w io.Writer, objs []runtime.Object) error {
	var buf bytes.Buffer
	for i, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return fmt.Errorf("manifest %d: %w", i, err)
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

package manifests

import (
	"fmt"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Problems lists what in o would break the sharded run c describes (an
// edited manifest, or a bug): the Indexed Job's fields, the shards' way to
// the coordinator, the plan's mount. Empty when all is well.
func (o *Objects) Problems(c Config) []string {
	var out []string
	errorf := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	n := int32(c.Shards)
	j := o.Shards.Spec
	switch {
	case j.CompletionMode == nil || *j.CompletionMode != batchv1.IndexedCompletion:
		errorf("shards: completionMode %v, want Indexed", j.CompletionMode)
	case j.Completions == nil || *j.Completions != n || j.Parallelism == nil || *j.Parallelism != n:
		errorf("shards: completions %v, parallelism %v; want both %d", j.Completions, j.Parallelism, n)
	case j.BackoffLimitPerIndex == nil || *j.BackoffLimitPerIndex != 0:
		errorf("shards: backoffLimitPerIndex %v, want 0", j.BackoffLimitPerIndex)
	case j.Template.Spec.RestartPolicy != corev1.RestartPolicyNever:
		errorf("shards: restartPolicy %q, want Never", j.Template.Spec.RestartPolicy)
	case j.PodFailurePolicy == nil || len(j.PodFailurePolicy.Rules) == 0:
		errorf("shards: no podFailurePolicy")
	}
	if p := j.PodFailurePolicy; p != nil {
		for _, r := range p.Rules {
			if r.Action != batchv1.PodFailurePolicyActionFailIndex {
				errorf("shards: podFailurePolicy rule %+v does not fail the index", r)
			}
		}
		if ec := p.Rules[0].OnExitCodes; ec == nil || ec.Operator != batchv1.PodFailurePolicyOnExitCodesOpNotIn || len(ec.Values) != 1 || ec.Values[0] != 0 {
			errorf("shards: first rule %+v: want every non-zero exit to fail the index", p.Rules[0])
		}
	}
	args := strings.Join(j.Template.Spec.Containers[0].Args, " ")
	url := CoordinatorURL(c)
	if want := "run -shard env:JOB_COMPLETION_INDEX/" + strconv.Itoa(c.Shards) + " -coordinator " + url; !strings.HasPrefix(args, want) || !strings.HasSuffix(args, PlanDir+"/"+ProfileFile) {
		errorf("shard args %q, want %q ... %s/%s", args, want, PlanDir, ProfileFile)
	}
	svc := o.Service
	if svc.Spec.ClusterIP != corev1.ClusterIPNone || svc.Name != CoordinatorName(c.Name) || len(svc.Spec.Ports) != 1 ||
		svc.Spec.Ports[0].Port != int32(c.Port) || svc.Spec.Ports[0].TargetPort.IntValue() != c.Port ||
		!strings.HasPrefix(url, "http://"+svc.Name+"."+svc.Namespace+".svc:") {
		errorf("service %+v does not answer to %s", svc.Spec, url)
	}
	cpod := o.Coordinator.Spec.Template
	for k, v := range svc.Spec.Selector {
		if cpod.Labels[k] != v || j.Template.Labels[LabelComponent] == "coordinator" {
			errorf("service selector %v does not select the coordinator's pod only (%v)", svc.Spec.Selector, cpod.Labels)
		}
	}
	cargs := strings.Join(cpod.Spec.Containers[0].Args, " ")
	if !strings.HasPrefix(cargs, "coordinator -shards "+strconv.Itoa(c.Shards)+" -listen :"+strconv.Itoa(c.Port)) || *o.Coordinator.Spec.BackoffLimit != 0 ||
		cpod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		errorf("coordinator: args %q, backoffLimit %d, restartPolicy %q", cargs, *o.Coordinator.Spec.BackoffLimit, cpod.Spec.RestartPolicy)
	}
	for name, spec := range map[string]corev1.PodSpec{"coordinator": cpod.Spec, "shard": j.Template.Spec} {
		ctr := spec.Containers[0]
		if ctr.Image != c.Image || ctr.Name != Container || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot ||
			ctr.SecurityContext.ReadOnlyRootFilesystem == nil || !*ctr.SecurityContext.ReadOnlyRootFilesystem {
			errorf("%s container %+v: want image %s, non-root, read-only root", name, ctr, c.Image)
		}
		if spec.Volumes[0].ConfigMap == nil || spec.Volumes[0].ConfigMap.Name != o.ConfigMap.Name || ctr.VolumeMounts[0].MountPath != PlanDir {
			errorf("%s: the plan ConfigMap is not mounted at %s", name, PlanDir)
		}
	}
	if o.ConfigMap.Data[ProfileFile] == "" {
		errorf("ConfigMap has no %s", ProfileFile)
	}
	return out
}

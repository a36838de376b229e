package manifests

import (
	"bytes"
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Objects are a run's manifests, decoded strictly: an unknown or misspelt
// field anywhere is an error, as with kubectl apply --validate=strict.
type Objects struct {
	ConfigMap   *corev1.ConfigMap
	Service     *corev1.Service
	Coordinator *batchv1.Job
	Shards      *batchv1.Job
}

// Decode reads a YAML stream of the objects Build makes.
func Decode(b []byte) (*Objects, error) {
	var o Objects
	for i, doc := range bytes.Split(b, []byte("\n---\n")) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		var err error
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 ConfigMap":
			o.ConfigMap = &corev1.ConfigMap{}
			err = yaml.UnmarshalStrict(doc, o.ConfigMap)
		case "v1 Service":
			o.Service = &corev1.Service{}
			err = yaml.UnmarshalStrict(doc, o.Service)
		case "batch/v1 Job":
			j := &batchv1.Job{}
			err = yaml.UnmarshalStrict(doc, j)
			if strings.HasSuffix(j.Name, "-coordinator") {
				o.Coordinator = j
			} else {
				o.Shards = j
			}
		default:
			err = fmt.Errorf("unexpected object %q", tm.APIVersion+" "+tm.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i, tm.Kind, err)
		}
	}
	if o.ConfigMap == nil || o.Service == nil || o.Coordinator == nil || o.Shards == nil {
		return nil, fmt.Errorf("want a ConfigMap, a Service and two Jobs, got %+v", o)
	}
	return &o, nil
}

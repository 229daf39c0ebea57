// Command upstream-oracle answers, for test/upstream-oracle.test.ts, what the real
// upstream validators say about a value: the same Go functions the API server, the
// kubelet and kubectl run (Kubernetes v1.35.8 and the libraries it vendors), so the
// project's TypeScript checks can be compared with them, in both directions.
//
// Reads one JSON query per line on stdin, writes one JSON answer per line on stdout:
//
//	{"kind":"cronSchedule","value":"0 3 * * 7"}          -> {"errors":["..."]}  (none: accepted)
//	kinds: cronSchedule, timeZone, ingressPath (+pathType), labelKey, image, externalName,
//	       hpaTarget (+number), configMap / secret (+object: the v1 object as JSON, +noApply),
//	       yamlToJSON (value: a YAML document; the answer has "json": what kubectl reads)
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/distribution/reference"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kubectl/pkg/util"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/autoscaling"
	autoscalingvalidation "k8s.io/kubernetes/pkg/apis/autoscaling/validation"
	"k8s.io/kubernetes/pkg/apis/batch"
	batchvalidation "k8s.io/kubernetes/pkg/apis/batch/validation"
	"k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	"k8s.io/kubernetes/pkg/apis/networking"
	networkingvalidation "k8s.io/kubernetes/pkg/apis/networking/validation"
	"sigs.k8s.io/yaml"

	_ "time/tzdata" // as cmd/kube-apiserver: every IANA name loads on any host
)

type query struct {
	Kind     string          `json:"kind"`
	Value    string          `json:"value"`
	PathType string          `json:"pathType"`
	Number   int32           `json:"number"`
	Object   json.RawMessage `json:"object"`
	// NoApply: validate the object as sent by `kubectl create` or server-side apply,
	// without the last-applied-configuration annotation of a client-side apply.
	NoApply bool `json:"noApply"`
}

type answer struct {
	Errors []string `json:"errors"`
	// JSON: for yamlToJSON, the document as kubectl reads it.
	JSON string `json:"json,omitempty"`
}

// only keeps the errors about one field (the objects around it are minimal, not complete).
func only(errs field.ErrorList, prefix string) []string {
	out := []string{}
	for _, e := range errs {
		if e.Field == prefix || strings.HasPrefix(e.Field, prefix+".") || strings.HasPrefix(e.Field, prefix+"[") {
			out = append(out, e.Error())
		}
	}
	return out
}

func cronJob(schedule string, timeZone *string) *batch.CronJob {
	return &batch.CronJob{Spec: batch.CronJobSpec{Schedule: schedule, TimeZone: timeZone}}
}

func check(q query) ([]string, error) {
	switch q.Kind {
	case "cronSchedule":
		return only(batchvalidation.ValidateCronJobCreate(cronJob(q.Value, nil), corevalidation.PodValidationOptions{}), "spec.schedule"), nil
	case "timeZone":
		tz := q.Value
		return only(batchvalidation.ValidateCronJobCreate(cronJob("0 3 * * *", &tz), corevalidation.PodValidationOptions{}), "spec.timeZone"), nil
	case "ingressPath":
		pathType := networking.PathType(q.PathType)
		ing := &networking.Ingress{Spec: networking.IngressSpec{Rules: []networking.IngressRule{{
			Host: "a.example.com",
			IngressRuleValue: networking.IngressRuleValue{HTTP: &networking.HTTPIngressRuleValue{Paths: []networking.HTTPIngressPath{{
				Path: q.Value, PathType: &pathType,
				Backend: networking.IngressBackend{Service: &networking.IngressServiceBackend{Name: "web", Port: networking.ServiceBackendPort{Name: "http"}}},
			}}}},
		}}}}
		return only(networkingvalidation.ValidateIngressCreate(ing), "spec.rules[0].http.paths[0].path"), nil
	case "labelKey":
		return validation.IsQualifiedName(q.Value), nil
	case "image":
		// What the kubelet's image manager does first (applyDefaultImageTag).
		if _, err := reference.ParseNormalizedNamed(q.Value); err != nil {
			return []string{err.Error()}, nil
		}
		return []string{}, nil
	case "externalName":
		svc := &core.Service{Spec: core.ServiceSpec{Type: core.ServiceTypeExternalName, ExternalName: q.Value}}
		return only(corevalidation.ValidateServiceCreate(svc), "spec.externalName"), nil
	case "hpaTarget":
		min := int32(1)
		target := q.Number
		hpa := &autoscaling.HorizontalPodAutoscaler{Spec: autoscaling.HorizontalPodAutoscalerSpec{
			MinReplicas: &min, MaxReplicas: 2,
			Metrics: []autoscaling.MetricSpec{{Type: autoscaling.ResourceMetricSourceType, Resource: &autoscaling.ResourceMetricSource{
				Name: core.ResourceCPU, Target: autoscaling.MetricTarget{Type: autoscaling.UtilizationMetricType, AverageUtilization: &target},
			}}},
		}}
		return only(autoscalingvalidation.ValidateHorizontalPodAutoscaler(hpa, autoscalingvalidation.HorizontalPodAutoscalerSpecValidationOptions{MinReplicasLowerBound: 1}), "spec.metrics"), nil
	case "configMap", "secret":
		return checkApplied(q)
	}
	return nil, fmt.Errorf("unknown kind %q", q.Kind)
}

// checkApplied validates an object as `kubectl apply` (client-side) sends it: with the
// last-applied-configuration annotation that kubectl computes, converted to the internal
// type as the API server does (a Secret's stringData merged into data), then validated.
func checkApplied(q query) ([]string, error) {
	obj := &unstructured.Unstructured{}
	if err := json.Unmarshal(q.Object, &obj.Object); err != nil {
		return nil, err
	}
	applied, err := util.GetModifiedConfiguration(obj, !q.NoApply, unstructured.UnstructuredJSONScheme)
	if err != nil {
		return nil, err
	}
	if q.Kind == "configMap" {
		v1 := &corev1.ConfigMap{}
		if err := json.Unmarshal(applied, v1); err != nil {
			return nil, err
		}
		internal := &core.ConfigMap{}
		if err := legacyscheme.Scheme.Convert(v1, internal, nil); err != nil {
			return nil, err
		}
		return errorStrings(corevalidation.ValidateConfigMap(internal)), nil
	}
	v1 := &corev1.Secret{}
	if err := json.Unmarshal(applied, v1); err != nil {
		return nil, err
	}
	internal := &core.Secret{}
	if err := legacyscheme.Scheme.Convert(v1, internal, nil); err != nil {
		return nil, err
	}
	return errorStrings(corevalidation.ValidateSecret(internal)), nil
}

func errorStrings(errs field.ErrorList) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		var q query
		if err := json.Unmarshal(in.Bytes(), &q); err != nil {
			fmt.Fprintf(os.Stderr, "upstream-oracle: bad query: %v\n", err)
			os.Exit(2)
		}
		if q.Kind == "yamlToJSON" {
			// What kubectl does with a manifest file before anything else (sigs.k8s.io/yaml).
			a := answer{Errors: []string{}}
			if j, err := yaml.YAMLToJSON([]byte(q.Value)); err != nil {
				a.Errors = []string{err.Error()}
			} else {
				a.JSON = string(j)
			}
			if err := enc.Encode(a); err != nil {
				os.Exit(2)
			}
			continue
		}
		errs, err := check(q)
		if err != nil {
			fmt.Fprintf(os.Stderr, "upstream-oracle: %s: %v\n", q.Kind, err)
			os.Exit(2)
		}
		if errs == nil {
			errs = []string{}
		}
		if err := enc.Encode(answer{Errors: errs}); err != nil {
			os.Exit(2)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "upstream-oracle: %v\n", err)
		os.Exit(2)
	}
}

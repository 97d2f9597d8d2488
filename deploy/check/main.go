// Command check validates the Kubernetes manifests of deploy/ offline,
// where "kubectl apply --dry-run=client" cannot run (it needs a cluster to
// discover the API): every YAML document must decode strictly (no unknown
// or mistyped field) into the Kubernetes API type its apiVersion and kind
// name, and pass the checks below that the API server would make.
//
//	go run . ../*.yaml
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: check FILE.yaml...")
		os.Exit(2)
	}
	failed, docs := false, 0
	for _, path := range os.Args[1:] {
		b, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for i, doc := range bytes.Split(b, []byte("\n---")) {
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			docs++
			if err := checkDoc(doc); err != nil {
				fmt.Fprintf(os.Stderr, "%s: document %d: %v\n", path, i+1, err)
				failed = true
			}
		}
	}
	if failed {
		os.Exit(1)
	}
	fmt.Printf("%d manifests valid\n", docs)
}

func checkDoc(doc []byte) error {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return err
	}
	switch head.APIVersion + "/" + head.Kind {
	case "apps/v1/Deployment":
		var d appsv1.Deployment
		if err := yaml.UnmarshalStrict(doc, &d); err != nil {
			return err
		}
		return checkPod(d.Name, d.Spec.Selector.MatchLabels, d.Spec.Template.Labels, d.Spec.Template.Spec)
	case "v1/Service":
		var s corev1.Service
		if err := yaml.UnmarshalStrict(doc, &s); err != nil {
			return err
		}
		if len(s.Spec.Ports) == 0 || len(s.Spec.Selector) == 0 {
			return fmt.Errorf("service %s: needs ports and a selector", s.Name)
		}
		return nil
	case "v1/Secret":
		var s corev1.Secret
		return yaml.UnmarshalStrict(doc, &s)
	case "batch/v1/Job":
		var j batchv1.Job
		if err := yaml.UnmarshalStrict(doc, &j); err != nil {
			return err
		}
		if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever && j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
			return fmt.Errorf("job %s: restartPolicy must be Never or OnFailure", j.Name)
		}
		return checkPod(j.Name, nil, nil, j.Spec.Template.Spec)
	}
	return fmt.Errorf("unexpected kind %s %s", head.APIVersion, head.Kind)
}

// checkPod makes the checks the API server makes that a strict decode
// does not: the selector matches the template, every container has a
// name and an image, and every volume mount names a volume.
func checkPod(name string, selector, labels map[string]string, spec corev1.PodSpec) error {
	for k, v := range selector {
		if labels[k] != v {
			return fmt.Errorf("%s: selector %s=%s does not match the template's labels", name, k, v)
		}
	}
	if len(spec.Containers) == 0 {
		return fmt.Errorf("%s: no container", name)
	}
	vols := map[string]bool{}
	for _, v := range spec.Volumes {
		vols[v.Name] = true
	}
	for _, c := range spec.Containers {
		if c.Name == "" || strings.TrimSpace(c.Image) == "" {
			return fmt.Errorf("%s: a container needs a name and an image", name)
		}
		for _, m := range c.VolumeMounts {
			if !vols[m.Name] {
				return fmt.Errorf("%s: container %s mounts unknown volume %s", name, c.Name, m.Name)
			}
		}
	}
	return nil
}

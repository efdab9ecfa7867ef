package resources

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/svcnet/svcnet/pkg/apiserver"
)

// defaultDaemonPort is where agents serve exec and logs when the Node does
// not say (as a kubelet's 10250).
const defaultDaemonPort = 10250

// podTarget finds a pod's node daemon and the container a request means.
func (s *Set) podTarget(ctx context.Context, namespace, name, container string) (*corev1.Pod, string, *url.URL, error) {
	obj, err := s.byName["pods"].Get(ctx, namespace, name)
	if err != nil {
		return nil, "", nil, err
	}
	pod := obj.(*corev1.Pod)
	if container == "" {
		if len(pod.Spec.Containers) != 1 {
			return nil, "", nil, apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", name, containerNames(pod)))
		}
		container = pod.Spec.Containers[0].Name
	} else if !hasContainer(pod, container) {
		return nil, "", nil, apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", container, name))
	}
	if pod.Spec.NodeName == "" {
		return nil, "", nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	nobj, err := s.byName["nodes"].Get(ctx, "", pod.Spec.NodeName)
	if err != nil {
		return nil, "", nil, err
	}
	node := nobj.(*corev1.Node)
	host := ""
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			host = a.Address
			break
		}
	}
	if host == "" {
		return nil, "", nil, apierrors.NewServiceUnavailable(fmt.Sprintf("node %s has no InternalIP", node.Name))
	}
	port := int(node.Status.DaemonEndpoints.KubeletEndpoint.Port)
	if port == 0 {
		port = defaultDaemonPort
	}
	return pod, container, &url.URL{Scheme: "http", Host: net.JoinHostPort(host, strconv.Itoa(port))}, nil
}

func containerNames(pod *corev1.Pod) []string {
	var out []string
	for _, c := range pod.Spec.Containers {
		out = append(out, c.Name)
	}
	return out
}

func hasContainer(pod *corev1.Pod, name string) bool {
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// proxyToNode forwards a request, protocol upgrades included, to a node
// daemon path with the node token.
func (s *Set) proxyToNode(sr *apiserver.SubresourceRequest, target *url.URL, path string, query url.Values) {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = &url.URL{Scheme: target.Scheme, Host: target.Host, Path: path, RawQuery: query.Encode()}
			pr.Out.Host = target.Host
			pr.Out.Header.Set("Authorization", "Bearer "+s.nodeToken)
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			sr.Error(apierrors.NewServiceUnavailable(fmt.Sprintf("error reaching the node: %v", err)))
		},
	}
	rp.ServeHTTP(sr.W, sr.R)
}

// execHandler serves pods/<name>/exec by proxying to the pod's node.
func (s *Set) execHandler(sr *apiserver.SubresourceRequest) {
	q := sr.R.URL.Query()
	pod, container, target, err := s.podTarget(sr.R.Context(), sr.Namespace, sr.Name, q.Get("container"))
	if err != nil {
		sr.Error(err)
		return
	}
	if pod.Status.Phase != corev1.PodRunning {
		sr.Error(apierrors.NewBadRequest(fmt.Sprintf("unable to upgrade connection: container not found (%q)", container)))
		return
	}
	out := url.Values{"command": q["command"]}
	for from, to := range map[string]string{"stdin": "input", "stdout": "output", "stderr": "error", "tty": "tty"} {
		if v := q.Get(from); v == "true" || v == "1" {
			out.Set(to, "1")
		}
	}
	s.proxyToNode(sr, target, fmt.Sprintf("/exec/%s/%s/%s/%s", pod.Namespace, pod.Name, pod.UID, container), out)
}

// logHandler serves pods/<name>/log by proxying to the pod's node.
func (s *Set) logHandler(sr *apiserver.SubresourceRequest) {
	q := sr.R.URL.Query()
	pod, container, target, err := s.podTarget(sr.R.Context(), sr.Namespace, sr.Name, q.Get("container"))
	if err != nil {
		sr.Error(err)
		return
	}
	out := url.Values{}
	for _, k := range []string{"follow", "tailLines"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	s.proxyToNode(sr, target, fmt.Sprintf("/containerLogs/%s/%s/%s/%s", pod.Namespace, pod.Name, pod.UID, container), out)
}

package workload

import "strings"

// Workload names, as Main takes them and Lookup returns them.
const (
	NameHTTPD         = "httpd"
	NameNetexec       = "netexec"
	NameNginx         = "nginx"
	NameServeHostname = "serve-hostname"
	NameSleep         = "sleep"
	NameWhoami        = "whoami"
)

// Names lists the built-in workloads, sorted. The caller owns the slice.
func Names() []string {
	return []string{NameHTTPD, NameNetexec, NameNginx, NameServeHostname, NameSleep, NameWhoami}
}

// Lookup maps a container image reference to a built-in workload name.
//
// The registry host, the "library/" prefix of Docker Hub's official images,
// the tag and the digest are ignored, so "nginx", "nginx:1.25" and
// "docker.io/library/nginx:latest" all name the nginx workload. The image
// is recognised by its full repository path ("traefik/whoami") or by its
// last path element ("registry.k8s.io/e2e-test-images/busybox" is
// busybox). agnhost images run several programs; args pick one: the first
// word that is not a flag ("netexec", "serve-hostname", "pause"). Callers
// should pass the container's command followed by its args, since pods
// name the program in either.
func Lookup(image string, args []string) (name string, ok bool) {
	repo := repository(image)
	if repo == "" {
		return "", false
	}
	if name, ok := byRepository(repo); ok {
		return name, true
	}
	base := repo[strings.LastIndexByte(repo, '/')+1:]
	if base == "agnhost" {
		return agnhostCommand(args)
	}
	return byBaseName(base)
}

// repository returns the repository path of an image reference, lower case,
// without registry host, "library/" prefix, tag or digest.
func repository(image string) string {
	ref := strings.ToLower(strings.TrimSpace(image))
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	if first, rest, found := strings.Cut(ref, "/"); found && isRegistryHost(first) {
		ref = rest
	}
	ref = strings.TrimPrefix(ref, "library/")
	return strings.Trim(ref, "/")
}

// isRegistryHost reports whether the first element of an image reference
// is a registry host rather than a Docker Hub namespace, by the same rule
// as the Docker reference grammar.
func isRegistryHost(s string) bool {
	return s == "localhost" || strings.ContainsAny(s, ".:")
}

// byRepository recognises images by their full repository path.
func byRepository(repo string) (string, bool) {
	switch repo {
	case "sixeyed/whoami", "traefik/whoami", "containous/whoami", "emilevauge/whoami":
		return NameWhoami, true
	case "kiamol/ch03-sleep", "curlimages/curl", "nicolaka/netshoot",
		"radial/busyboxplus", "praqma/network-multitool", "wbitt/network-multitool":
		return NameSleep, true
	}
	return "", false
}

// byBaseName recognises images by the last element of their repository path.
func byBaseName(base string) (string, bool) {
	switch base {
	case "nginx":
		return NameNginx, true
	case "httpd":
		return NameHTTPD, true
	case "whoami":
		return NameWhoami, true
	case "netexec":
		return NameNetexec, true
	case "serve-hostname", "serve_hostname":
		return NameServeHostname, true
	case "busybox", "alpine", "sleep", "pause", "ubuntu", "debian", "curl", "netshoot":
		return NameSleep, true
	}
	return "", false
}

// agnhostCommand picks the workload for an agnhost image from its args:
// the first word that is neither a flag, a known flag's value nor the
// agnhost program itself.
func agnhostCommand(args []string) (string, bool) {
	o, err := parseOptions(args)
	if err != nil {
		return "", false
	}
	words := o.positional
	// A pod may name the program too: command ["/agnhost", "netexec"].
	for len(words) > 0 && (words[0] == "agnhost" || strings.HasSuffix(words[0], "/agnhost")) {
		words = words[1:]
	}
	if len(words) == 0 {
		return "", false
	}
	switch words[0] {
	case "netexec":
		return NameNetexec, true
	case "serve-hostname":
		return NameServeHostname, true
	case "pause":
		return NameSleep, true
	}
	return "", false
}

package workload

import (
	"slices"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name   string
		image  string
		args   []string
		want   string
		wantOK bool
	}{
		{name: "nginx bare", image: "nginx", want: NameNginx, wantOK: true},
		{name: "nginx tag", image: "nginx:1.25", want: NameNginx, wantOK: true},
		{name: "nginx docker hub", image: "docker.io/library/nginx:latest", want: NameNginx, wantOK: true},
		{name: "nginx digest", image: "nginx@sha256:0123456789abcdef", want: NameNginx, wantOK: true},
		{name: "nginx tag and digest", image: "nginx:1.27-alpine@sha256:0123", want: NameNginx, wantOK: true},
		{name: "nginx library", image: "library/nginx", want: NameNginx, wantOK: true},
		{name: "nginx mirror", image: "mirror.gcr.io/library/nginx:1.27", want: NameNginx, wantOK: true},
		{name: "nginx registry with port", image: "localhost:5000/nginx:1.25", want: NameNginx, wantOK: true},
		{name: "nginx upper case", image: "NGINX:Latest", want: NameNginx, wantOK: true},
		{name: "httpd", image: "httpd", want: NameHTTPD, wantOK: true},
		{name: "httpd tag", image: "httpd:2.4", want: NameHTTPD, wantOK: true},
		{name: "httpd alpine", image: "docker.io/httpd:2.4-alpine", want: NameHTTPD, wantOK: true},
		{name: "sixeyed whoami", image: "sixeyed/whoami:21.04", want: NameWhoami, wantOK: true},
		{name: "traefik whoami", image: "traefik/whoami", want: NameWhoami, wantOK: true},
		{name: "containous whoami", image: "containous/whoami", want: NameWhoami, wantOK: true},
		{name: "traefik whoami tagged", image: "docker.io/traefik/whoami:v1.10", want: NameWhoami, wantOK: true},
		{name: "agnhost netexec", image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: []string{"netexec", "--http-port=8080"}, want: NameNetexec, wantOK: true},
		{name: "agnhost old registry", image: "k8s.gcr.io/e2e-test-images/agnhost:2.39", args: []string{"netexec"}, want: NameNetexec, wantOK: true},
		{name: "agnhost serve-hostname", image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: []string{"serve-hostname", "--port", "9376"}, want: NameServeHostname, wantOK: true},
		{name: "agnhost pause", image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: []string{"pause"}, want: NameSleep, wantOK: true},
		{name: "agnhost no args", image: "registry.k8s.io/e2e-test-images/agnhost:2.53"},
		{name: "agnhost other command", image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: []string{"dns-suffix"}},
		{name: "netexec", image: "netexec", want: NameNetexec, wantOK: true},
		{name: "old netexec image", image: "gcr.io/google_containers/netexec:1.7", want: NameNetexec, wantOK: true},
		{name: "serve-hostname", image: "serve-hostname", want: NameServeHostname, wantOK: true},
		{name: "serve_hostname", image: "registry.k8s.io/serve_hostname", want: NameServeHostname, wantOK: true},
		{name: "busybox", image: "busybox", want: NameSleep, wantOK: true},
		{name: "busybox tag", image: "busybox:1.36", args: []string{"sleep", "3600"}, want: NameSleep, wantOK: true},
		{name: "e2e busybox", image: "registry.k8s.io/e2e-test-images/busybox:1.36.1-1", want: NameSleep, wantOK: true},
		{name: "alpine", image: "alpine:3.20", want: NameSleep, wantOK: true},
		{name: "kiamol sleep", image: "kiamol/ch03-sleep", want: NameSleep, wantOK: true},
		{name: "sleep", image: "sleep", want: NameSleep, wantOK: true},
		{name: "curl", image: "curlimages/curl:8.10.1", want: NameSleep, wantOK: true},
		{name: "netshoot", image: "nicolaka/netshoot", want: NameSleep, wantOK: true},
		{name: "pause", image: "registry.k8s.io/pause:3.10", want: NameSleep, wantOK: true},
		{name: "unknown", image: "redis:7"},
		{name: "unknown namespace", image: "myorg/myapp:1.0"},
		{name: "nginx look-alike", image: "nginxinc/nginx-unprivileged"},
		{name: "empty", image: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Lookup(tt.image, tt.args)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Lookup(%q, %q) = %q, %v; want %q, %v", tt.image, tt.args, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestNames(t *testing.T) {
	names := Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() = %v, not sorted", names)
	}
	for _, n := range names {
		if _, _, ok := runner(n); !ok {
			t.Errorf("Names() lists %q, which has no runner", n)
		}
		if got, ok := Lookup(n, nil); !ok || got != n {
			t.Errorf("Lookup(%q) = %q, %v; want the name itself", n, got, ok)
		}
	}
	names[0] = "changed"
	if Names()[0] == "changed" {
		t.Error("Names() shares its slice between calls")
	}
}

func TestLookupAgnhostSkipsFlagValues(t *testing.T) {
	got, ok := Lookup("registry.k8s.io/e2e-test-images/agnhost:2.53", []string{"--port", "80", "serve-hostname"})
	if !ok || got != NameServeHostname {
		t.Errorf("Lookup = %q, %v; want serve-hostname", got, ok)
	}
}

func TestLookupAgnhostCommand(t *testing.T) {
	got, ok := Lookup("registry.k8s.io/e2e-test-images/agnhost:2.53", []string{"/agnhost", "netexec", "--http-port=8080"})
	if !ok || got != NameNetexec {
		t.Errorf("Lookup = %q, %v; want netexec", got, ok)
	}
}

func TestArgv(t *testing.T) {
	got := Argv("netexec", []int32{8080, 8081}, []string{"netexec", "--http-port=8080"})
	want := []string{"netexec", "--port", "8080", "--port", "8081", "netexec", "--http-port=8080"}
	if !slices.Equal(got, want) {
		t.Errorf("Argv = %q, want %q", got, want)
	}
	o, err := parseOptions(got[1:])
	if err != nil {
		t.Fatal(err)
	}
	if ports, _ := o.ports("port"); !slices.Equal(ports, []int{8080, 8081}) {
		t.Errorf("ports parsed back = %v", ports)
	}
}

package pki

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeconfigName is the name of the cluster, user and context in the
// kubeconfig files svcnet writes.
const KubeconfigName = "svcnet"

// WriteKubeconfig writes a kubeconfig for serverURL that trusts caPEM and
// authenticates with the client certificate certPEM/keyPEM, with the bearer
// token, or both (either may be empty). The cluster, user and context are all
// named "svcnet". The file is written atomically with mode 0600, and its
// directory is created if needed.
func WriteKubeconfig(path, serverURL string, caPEM, certPEM, keyPEM []byte, token string) error {
	if serverURL == "" {
		return errors.New("writing kubeconfig: server URL is required")
	}
	if (len(certPEM) == 0) != (len(keyPEM) == 0) {
		return fmt.Errorf("writing kubeconfig %s: client certificate and key must be given together", path)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[KubeconfigName] = &clientcmdapi.Cluster{
		Server:                   serverURL,
		CertificateAuthorityData: caPEM,
	}
	cfg.AuthInfos[KubeconfigName] = &clientcmdapi.AuthInfo{
		ClientCertificateData: certPEM,
		ClientKeyData:         keyPEM,
		Token:                 token,
	}
	cfg.Contexts[KubeconfigName] = &clientcmdapi.Context{
		Cluster:  KubeconfigName,
		AuthInfo: KubeconfigName,
	}
	cfg.CurrentContext = KubeconfigName
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return fmt.Errorf("writing kubeconfig %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	return writeFileAtomic(path, data, 0o600)
}

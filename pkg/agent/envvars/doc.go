// Package envvars computes the Service environment variables that a node
// agent injects into every container, exactly as the kubelet formats them.
//
// For each Service with a cluster IP (not headless, not ExternalName) the
// container sees, with the name upper-cased and dashes turned into
// underscores:
//
//	{NAME}_SERVICE_HOST=10.96.0.20
//	{NAME}_SERVICE_PORT=80                  (the first port)
//	{NAME}_SERVICE_PORT_{PORTNAME}=80       (each named port)
//	{NAME}_PORT=tcp://10.96.0.20:80         (Docker links, the first port)
//	{NAME}_PORT_80_TCP=tcp://10.96.0.20:80  (each port)
//	{NAME}_PORT_80_TCP_PROTO=tcp
//	{NAME}_PORT_80_TCP_PORT=80
//	{NAME}_PORT_80_TCP_ADDR=10.96.0.20
//
// ForPod picks the Services the kubelet picks: those of the pod's
// namespace when enableServiceLinks is true (the default), and always the
// `kubernetes` Service of the default namespace.
package envvars

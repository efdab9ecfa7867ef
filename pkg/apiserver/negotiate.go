package apiserver

import (
	"mime"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// output is what a client asked to receive.
type output struct {
	info runtime.SerializerInfo
	// as is "", "Table", "PartialObjectMetadata" or "PartialObjectMetadataList".
	as string
	// asVersion is the meta.k8s.io version of the transformed object.
	asVersion string
}

// mediaRange is one entry of an Accept header.
type mediaRange struct {
	mediaType string
	params    map[string]string
}

func parseAccept(header string) []mediaRange {
	var out []mediaRange
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		out = append(out, mediaRange{mediaType: mt, params: params})
	}
	return out
}

// negotiateOutput picks the first acceptable media type and transformation.
// Clients list what they prefer first; "*/*" and an empty header mean JSON.
// A transformation we do not support (an unknown "as") skips that entry, as
// kube-apiserver does, so that clients fall back to a plain object.
func (s *Server) negotiateOutput(accept string, allowTransform bool) (output, bool) {
	ranges := parseAccept(accept)
	if len(ranges) == 0 {
		return output{info: s.jsonInfo}, true
	}
	for _, mr := range ranges {
		info, ok := s.mediaInfo(mr.mediaType)
		if !ok {
			continue
		}
		as := mr.params["as"]
		if as == "" {
			return output{info: info}, true
		}
		if !allowTransform || mr.params["g"] != "meta.k8s.io" {
			continue
		}
		switch as {
		case "Table":
			if v := mr.params["v"]; v == "v1" || v == "v1beta1" {
				return output{info: info, as: as, asVersion: v}, true
			}
		case "PartialObjectMetadata", "PartialObjectMetadataList":
			if v := mr.params["v"]; v == "v1" || v == "v1beta1" {
				return output{info: info, as: as, asVersion: v}, true
			}
		}
	}
	return output{}, false
}

// mediaInfo returns the serializer for a media type; wildcards mean JSON.
func (s *Server) mediaInfo(mt string) (runtime.SerializerInfo, bool) {
	switch mt {
	case "*/*", "application/*":
		return s.jsonInfo, true
	}
	for _, info := range s.codecs.SupportedMediaTypes() {
		if info.MediaType == mt {
			return info, true
		}
	}
	return runtime.SerializerInfo{}, false
}

// inputInfo returns the serializer for a request body's Content-Type.
func (s *Server) inputInfo(contentType string) (runtime.SerializerInfo, bool) {
	if contentType == "" {
		return s.jsonInfo, true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return runtime.SerializerInfo{}, false
	}
	return s.mediaInfo(mt)
}

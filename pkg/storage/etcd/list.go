package etcd

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/svcnet/svcnet/pkg/storage"
)

// continueToken is the decoded form of a list continue token. It has the
// same shape as Kubernetes' so that tokens look familiar in logs.
type continueToken struct {
	APIVersion      string `json:"v"`
	ResourceVersion int64  `json:"rv"`
	StartKey        string `json:"start"`
}

func encodeContinue(rv int64, nextKey, prefix string) (string, error) {
	data, err := json.Marshal(continueToken{APIVersion: "meta.k8s.io/v1", ResourceVersion: rv, StartKey: strings.TrimPrefix(nextKey, prefix)})
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(data), nil
}

func decodeContinue(token, prefix string) (rv int64, startKey string, err error) {
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, "", &storage.InvalidContinueError{Reason: "not base64"}
	}
	var c continueToken
	if err := json.Unmarshal(data, &c); err != nil {
		return 0, "", &storage.InvalidContinueError{Reason: "not JSON"}
	}
	if c.APIVersion != "meta.k8s.io/v1" || c.ResourceVersion <= 0 {
		return 0, "", &storage.InvalidContinueError{Reason: "unknown version or revision"}
	}
	if strings.Contains(c.StartKey, "..") || strings.HasPrefix(c.StartKey, "/") {
		return 0, "", &storage.InvalidContinueError{Reason: "bad start key"}
	}
	return c.ResourceVersion, prefix + c.StartKey, nil
}

// List implements storage.Store. With a limit and a predicate it keeps reading
// chunks at one revision until the page is full, so every page is a
// consistent snapshot.
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions) (*storage.ListResult, error) {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	rangeEnd := clientv3.GetPrefixRangeEnd(prefix)
	start := prefix
	rev := opts.ResourceVersion
	if opts.Continue != "" {
		var err error
		if rev, start, err = decodeContinue(opts.Continue, prefix); err != nil {
			return nil, err
		}
	}
	chunk := opts.Limit
	if chunk > 0 && opts.Predicate != nil && chunk < 500 {
		chunk = 500
	}
	res := &storage.ListResult{}
	for {
		getOpts := []clientv3.OpOption{clientv3.WithRange(rangeEnd)}
		if rev > 0 {
			getOpts = append(getOpts, clientv3.WithRev(rev))
		}
		if chunk > 0 {
			getOpts = append(getOpts, clientv3.WithLimit(chunk))
		}
		resp, err := s.client.Get(ctx, start, getOpts...)
		if err != nil {
			if isCompacted(err) {
				return nil, &storage.ExpiredError{Revision: rev}
			}
			return nil, fmt.Errorf("listing %s: %w", prefix, err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for i, kv := range resp.Kvs {
			obj, err := s.decode(string(kv.Key), kv.Value, kv.ModRevision)
			if err != nil {
				return nil, err
			}
			if opts.Predicate != nil && !opts.Predicate(obj) {
				continue
			}
			res.Items = append(res.Items, obj)
			if opts.Limit > 0 && int64(len(res.Items)) == opts.Limit {
				more := i < len(resp.Kvs)-1 || resp.More
				if more {
					next := string(kv.Key) + "\x00"
					if res.Continue, err = encodeContinue(rev, next, prefix); err != nil {
						return nil, err
					}
					if opts.Predicate == nil {
						left := resp.Count - int64(i) - 1
						res.RemainingItemCount = &left
					}
				}
				res.ResourceVersion = rev
				return res, nil
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		start = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
	res.ResourceVersion = rev
	return res, nil
}

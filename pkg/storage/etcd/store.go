// Package etcd implements storage.Store on an etcd v3 cluster.
//
// Objects are encoded with the codec given at construction (protobuf in the
// API server) and stored without their resourceVersion, which is always taken
// from the key's etcd mod revision on read. Every write is a single etcd
// transaction guarded by the revision the caller read, so concurrent writers
// never overwrite each other silently.
package etcd

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/svcnet/svcnet/pkg/storage"
)

// Config configures a Store.
type Config struct {
	// Client is a connected etcd client. The Store does not close it.
	Client *clientv3.Client
	// Codec encodes objects for storage and decodes them back.
	Codec runtime.Codec
	// NewFunc returns an empty object for the type stored under a key, so
	// that decoding produces typed objects. It receives the key.
	NewFunc func(key string) (runtime.Object, error)
}

// Validate checks that every field is set.
func (c Config) Validate() error {
	switch {
	case c.Client == nil:
		return errors.New("etcd store: Client is required")
	case c.Codec == nil:
		return errors.New("etcd store: Codec is required")
	case c.NewFunc == nil:
		return errors.New("etcd store: NewFunc is required")
	}
	return nil
}

// Store is a storage.Store on etcd.
type Store struct {
	client  *clientv3.Client
	codec   runtime.Codec
	newFunc func(string) (runtime.Object, error)
}

var _ storage.Store = (*Store)(nil)

// New returns a Store for c.
func New(c Config) (*Store, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &Store{client: c.Client, codec: c.Codec, newFunc: c.NewFunc}, nil
}

// decode turns a stored value into an object with its resourceVersion set.
func (s *Store) decode(key string, data []byte, rev int64) (runtime.Object, error) {
	into, err := s.newFunc(key)
	if err != nil {
		return nil, err
	}
	obj, _, err := s.codec.Decode(data, nil, into)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", key, err)
	}
	if err := setRV(obj, rev); err != nil {
		return nil, err
	}
	return obj, nil
}

// encode serialises obj without its resourceVersion.
func (s *Store) encode(obj runtime.Object) ([]byte, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	rv := acc.GetResourceVersion()
	acc.SetResourceVersion("")
	defer acc.SetResourceVersion(rv)
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	return data, nil
}

func setRV(obj runtime.Object, rev int64) error {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	acc.SetResourceVersion(strconv.FormatInt(rev, 10))
	return nil
}

// opsToEtcd turns extra ops into etcd conditions and operations.
func (s *Store) opsToEtcd(ops []storage.Op) (cmps []clientv3.Cmp, puts []clientv3.Op, gets []clientv3.Op, err error) {
	for _, op := range ops {
		val := op.Value
		if op.Object != nil {
			if val, err = s.encode(op.Object); err != nil {
				return nil, nil, nil, err
			}
		}
		switch op.Type {
		case storage.OpCreate:
			cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(op.Key), "=", 0))
			puts = append(puts, clientv3.OpPut(op.Key, string(val)))
			gets = append(gets, clientv3.OpGet(op.Key, clientv3.WithCountOnly()))
		case storage.OpPut:
			puts = append(puts, clientv3.OpPut(op.Key, string(val)))
		case storage.OpDelete:
			puts = append(puts, clientv3.OpDelete(op.Key))
		}
	}
	return cmps, puts, gets, nil
}

// createdKeys returns the OpCreate keys, in order, matching the gets built by
// opsToEtcd.
func createdKeys(ops []storage.Op) []string {
	var keys []string
	for _, op := range ops {
		if op.Type == storage.OpCreate {
			keys = append(keys, op.Key)
		}
	}
	return keys
}

// conflictingKey finds which OpCreate key already existed from the Else
// branch's count-only gets, which start at index first.
func conflictingKey(resp *clientv3.TxnResponse, first int, keys []string) (string, bool) {
	for i, key := range keys {
		r := resp.Responses[first+i].GetResponseRange()
		if r != nil && r.Count > 0 {
			return key, true
		}
	}
	return "", false
}

// Create implements storage.Store.
func (s *Store) Create(ctx context.Context, key string, obj runtime.Object, ops []storage.Op) (runtime.Object, error) {
	data, err := s.encode(obj)
	if err != nil {
		return nil, err
	}
	cmps, extra, gets, err := s.opsToEtcd(ops)
	if err != nil {
		return nil, err
	}
	cmps = append([]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(key), "=", 0)}, cmps...)
	thenOps := append([]clientv3.Op{clientv3.OpPut(key, string(data))}, extra...)
	elseOps := append([]clientv3.Op{clientv3.OpGet(key, clientv3.WithCountOnly())}, gets...)
	resp, err := s.client.Txn(ctx).If(cmps...).Then(thenOps...).Else(elseOps...).Commit()
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", key, err)
	}
	if !resp.Succeeded {
		if k, ok := conflictingKey(resp, 0, append([]string{key}, createdKeys(ops)...)); ok {
			return nil, &storage.KeyExistsError{Key: k}
		}
		return nil, fmt.Errorf("creating %s: transaction failed without a conflicting key", key)
	}
	out := obj.DeepCopyObject()
	if err := setRV(out, resp.Header.Revision); err != nil {
		return nil, err
	}
	return out, nil
}

// Get implements storage.Store.
func (s *Store) Get(ctx context.Context, key string) (runtime.Object, error) {
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("getting %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, &storage.NotFoundError{Key: key}
	}
	kv := resp.Kvs[0]
	return s.decode(key, kv.Value, kv.ModRevision)
}

// GetRaw implements storage.Store.
func (s *Store) GetRaw(ctx context.Context, key string) ([]byte, error) {
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("getting %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, &storage.NotFoundError{Key: key}
	}
	return resp.Kvs[0].Value, nil
}

// ListRaw implements storage.Store.
func (s *Store) ListRaw(ctx context.Context, prefix string) (map[string][]byte, int64, error) {
	resp, err := s.client.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, 0, fmt.Errorf("listing %s: %w", prefix, err)
	}
	out := make(map[string][]byte, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out[string(kv.Key)] = kv.Value
	}
	return out, resp.Header.Revision, nil
}

// Txn implements storage.Store.
func (s *Store) Txn(ctx context.Context, ops []storage.Op) error {
	cmps, puts, gets, err := s.opsToEtcd(ops)
	if err != nil {
		return err
	}
	resp, err := s.client.Txn(ctx).If(cmps...).Then(puts...).Else(gets...).Commit()
	if err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	if !resp.Succeeded {
		if k, ok := conflictingKey(resp, 0, createdKeys(ops)); ok {
			return &storage.KeyExistsError{Key: k}
		}
		return errors.New("transaction failed without a conflicting key")
	}
	return nil
}

// Update implements storage.Store.
func (s *Store) Update(ctx context.Context, key string, fn storage.UpdateFunc) (runtime.Object, error) {
	getResp, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("getting %s: %w", key, err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(getResp.Kvs) == 0 {
			return nil, &storage.NotFoundError{Key: key}
		}
		kv := getResp.Kvs[0]
		cur, err := s.decode(key, kv.Value, kv.ModRevision)
		if err != nil {
			return nil, err
		}
		updated, ops, err := fn(cur.DeepCopyObject())
		if err != nil {
			return nil, err
		}
		if updated == nil && len(ops) == 0 {
			return cur, nil
		}
		var thenOps []clientv3.Op
		if updated != nil {
			data, err := s.encode(updated)
			if err != nil {
				return nil, err
			}
			thenOps = append(thenOps, clientv3.OpPut(key, string(data)))
		}
		cmps, extra, gets, err := s.opsToEtcd(ops)
		if err != nil {
			return nil, err
		}
		cmps = append([]clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(key), "=", kv.ModRevision)}, cmps...)
		thenOps = append(thenOps, extra...)
		elseOps := append([]clientv3.Op{clientv3.OpGet(key)}, gets...)
		resp, err := s.client.Txn(ctx).If(cmps...).Then(thenOps...).Else(elseOps...).Commit()
		if err != nil {
			return nil, fmt.Errorf("updating %s: %w", key, err)
		}
		if resp.Succeeded {
			if updated == nil {
				return cur, nil
			}
			out := updated.DeepCopyObject()
			return out, setRV(out, resp.Header.Revision)
		}
		if k, ok := conflictingKey(resp, 1, createdKeys(ops)); ok {
			return nil, &storage.KeyExistsError{Key: k}
		}
		// The object changed under us: retry on its new state.
		getResp = (*clientv3.GetResponse)(resp.Responses[0].GetResponseRange())
	}
}

// Delete implements storage.Store.
func (s *Store) Delete(ctx context.Context, key string, fn storage.DeleteFunc) (runtime.Object, error) {
	getResp, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("getting %s: %w", key, err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(getResp.Kvs) == 0 {
			return nil, &storage.NotFoundError{Key: key}
		}
		kv := getResp.Kvs[0]
		cur, err := s.decode(key, kv.Value, kv.ModRevision)
		if err != nil {
			return nil, err
		}
		var ops []storage.Op
		if fn != nil {
			if ops, err = fn(cur.DeepCopyObject()); err != nil {
				return nil, err
			}
		}
		cmps, extra, _, err := s.opsToEtcd(ops)
		if err != nil {
			return nil, err
		}
		cmps = append([]clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(key), "=", kv.ModRevision)}, cmps...)
		thenOps := append([]clientv3.Op{clientv3.OpDelete(key)}, extra...)
		resp, err := s.client.Txn(ctx).If(cmps...).Then(thenOps...).Else(clientv3.OpGet(key)).Commit()
		if err != nil {
			return nil, fmt.Errorf("deleting %s: %w", key, err)
		}
		if resp.Succeeded {
			return cur, setRV(cur, resp.Header.Revision)
		}
		getResp = (*clientv3.GetResponse)(resp.Responses[0].GetResponseRange())
	}
}

// Revision implements storage.Store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	resp, err := s.client.Get(ctx, "/svcnet-revision-probe", clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("reading revision: %w", err)
	}
	return resp.Header.Revision, nil
}

// isCompacted reports whether err is etcd's "required revision has been
// compacted".
func isCompacted(err error) bool {
	return errors.Is(err, rpctypes.ErrCompacted)
}

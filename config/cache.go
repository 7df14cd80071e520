package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// A province's configuration (2,000 units × 15 tasks) is a 20 MB YAML
// file, and parsing it costs more than half a second on every command. A
// file loaded once is kept, decoded, in the user's cache folder, named by
// the SHA-256 of its bytes, of the DUBAN_* environment and of the shape of
// Config: the same file under the same environment with the same binary's
// Config loads from there. A cache that cannot be read or written is
// ignored; it is never needed.

// cachedMinBytes is the smallest file worth caching: below it parsing is
// quicker than reading the cache.
const cachedMinBytes = 256 << 10

// cached is what the cache file holds (Config's unexported fields too).
type cached struct {
	Config  Config
	Unknown []string
}

// cacheKey names the parsed form of data under the current environment.
func cacheKey(data []byte) string {
	h := sha256.New()
	h.Write(data)
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DUBAN_") {
			env = append(env, kv)
		}
	}
	slices.Sort(env)
	fmt.Fprintf(h, "\x00%q\x00%s", env, typeShape(reflect.TypeOf(Config{})))
	return hex.EncodeToString(h.Sum(nil))
}

// typeShape spells a type's fields and their types, recursively: a binary
// whose Config differs never reads another's cache.
func typeShape(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct:
		var b strings.Builder
		b.WriteString("{")
		for i := range t.NumField() {
			f := t.Field(i)
			fmt.Fprintf(&b, "%s %s %q;", f.Name, typeShape(f.Type), f.Tag)
		}
		b.WriteString("}")
		return b.String()
	case reflect.Slice, reflect.Array, reflect.Pointer:
		return t.Kind().String() + " " + typeShape(t.Elem())
	case reflect.Map:
		return "map[" + typeShape(t.Key()) + "]" + typeShape(t.Elem())
	}
	return t.String()
}

func cachePath(key string) (string, bool) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", false
	}
	return filepath.Join(dir, "duban", "config-"+key+".gob"), true
}

// fromCache returns the parsed form of data, when the cache holds it.
func fromCache(data []byte) (*Config, bool) {
	if len(data) < cachedMinBytes {
		return nil, false
	}
	path, ok := cachePath(cacheKey(data))
	if !ok {
		return nil, false
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var c cached
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&c); err != nil {
		return nil, false
	}
	c.Config.unknown = c.Unknown
	return &c.Config, true
}

// toCache keeps the parsed form of data, best effort.
func toCache(data []byte, cfg *Config) {
	if len(data) < cachedMinBytes {
		return
	}
	path, ok := cachePath(cacheKey(data))
	if !ok {
		return
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(cached{Config: *cfg, Unknown: cfg.unknown}); err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b.Bytes())
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
		os.Remove(tmp.Name())
	}
}

// nilEmpty sets every empty slice under v to nil, as a cached Config comes
// back (gob keeps no empty slices): a parsed and a cached configuration are
// then the same value.
func nilEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			nilEmpty(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				nilEmpty(f)
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			if !v.IsNil() && v.CanSet() {
				v.Set(reflect.Zero(v.Type()))
			}
			return
		}
		for i := range v.Len() {
			nilEmpty(v.Index(i))
		}
	}
}

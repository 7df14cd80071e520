package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/duban/duban/plan"
)

// DefaultPath is the file Load reads when given no path, if it exists.
const DefaultPath = "duban.yaml"

//go:embed examples/metro-2023.yaml
var exampleYAML []byte

// Example returns the embedded example configuration: the 2023 metropolitan
// area work plan with its 26 tasks, as commented YAML.
func Example() []byte { return bytes.Clone(exampleYAML) }

// Load reads the configuration at path and applies DUBAN_* environment
// overrides (see the package comment). With path "", it reads ./duban.yaml
// if that exists and the embedded example otherwise; Config.Source and
// Config.Embedded say which. A path that does not exist is an error.
//
// Load fails on unreadable files, invalid YAML and values of the wrong type
// (those are returned as Problems wrapped in the error). It does not check
// the values otherwise: call Validate. Keys that match no setting are kept
// and reported by Validate.
func Load(path string) (*Config, error) {
	data, source, err := readSource(path)
	if err != nil {
		return nil, err
	}
	cfg, ok := fromCache(data)
	if !ok {
		if cfg, err = parse(data); err != nil {
			return nil, fmt.Errorf("loading config %s: %w", source, err)
		}
		toCache(data, cfg)
	}
	cfg.Source = source
	cfg.Embedded = source == EmbeddedSource
	return cfg, nil
}

// readSource returns the YAML to load and where it came from.
func readSource(path string) ([]byte, string, error) {
	if path == "" {
		data, err := os.ReadFile(DefaultPath)
		switch {
		case err == nil:
			return data, DefaultPath, nil
		case errors.Is(err, fs.ErrNotExist):
			return Example(), EmbeddedSource, nil
		default:
			return nil, "", fmt.Errorf("reading config %s: %w", DefaultPath, err)
		}
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("config file %s does not exist; check the path, or give none to use ./%s or the embedded example: %w",
			path, DefaultPath, err)
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading config %s: %w", path, err)
	}
	return data, path, nil
}

// parse decodes YAML with environment overrides into a Config.
func parse(data []byte) (*Config, error) {
	v := viper.New()
	// Unmarshal only consults the environment for keys viper already knows
	// (viper#761): give every scalar key a default, and bind it to its
	// variable, so that DUBAN_* works even when the file leaves the key out.
	// Binding key by key (not AutomaticEnv) keeps a stray DUBAN_UNITS from
	// replacing a list of records.
	walkScalars(reflect.ValueOf(defaults()), "", func(key string, f reflect.Value) {
		val := f.Interface()
		if f.Kind() == reflect.Slice && f.IsNil() {
			val = reflect.MakeSlice(f.Type(), 0, 0).Interface()
		}
		v.SetDefault(key, val)
		_ = v.BindEnv(key, envVar(key)) // fails only without a key
	})
	// Read the file into its own instance first: AllSettings drops keys
	// whose value is null. Merged as-is, a section left empty ("mail:")
	// would hide the defaults below it, and with them the environment.
	file := viper.New()
	file.SetConfigType("yaml")
	if err := file.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	if err := v.MergeConfigMap(file.AllSettings()); err != nil {
		return nil, fmt.Errorf("merging YAML: %w", err)
	}

	var cfg Config
	var md mapstructure.Metadata
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.Metadata = &md
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(datesToStrings, trimStrings, splitCommas)
	})
	if err != nil {
		return nil, fmt.Errorf("some values have the wrong type:\n%w", decodeProblems(err))
	}
	cfg.unknown = slices.Sorted(slices.Values(md.Unused))
	nilEmpty(reflect.ValueOf(&cfg))
	return &cfg, nil
}

// envVar is the environment variable that overrides key:
// mail.smtp.password → DUBAN_MAIL_SMTP_PASSWORD.
func envVar(key string) string {
	return "DUBAN_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// datesToStrings turns the timestamps YAML makes of unquoted dates
// (extra_holidays: [2023-10-09]) back into text, YYYY-MM-DD for a date.
func datesToStrings(from, to reflect.Type, data any) (any, error) {
	t, ok := data.(time.Time)
	if !ok || to.Kind() != reflect.String {
		return data, nil
	}
	if t.Equal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())) {
		return t.Format(plan.DateLayout), nil
	}
	return t.Format(time.RFC3339), nil
}

// trimStrings drops leading and trailing white space from every string.
func trimStrings(from, to reflect.Type, data any) (any, error) {
	if from.Kind() == reflect.String && to.Kind() == reflect.String {
		return strings.TrimSpace(data.(string)), nil
	}
	return data, nil
}

// splitCommas turns a string (from the environment) into a list, so that
// DUBAN_CALENDAR_EXTRA_HOLIDAYS=2023-10-09,2023-10-10 sets a list.
func splitCommas(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Slice {
		return data, nil
	}
	s := strings.TrimSpace(data.(string))
	if s == "" {
		return []string{}, nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts, nil
}

// decodeProblems turns mapstructure's joined errors into one problem per key.
func decodeProblems(err error) Problems {
	var ps Problems
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case *mapstructure.DecodeError:
			ps = append(ps, Problem{Key: e.Name(), Message: wrongType(e.Unwrap())})
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			if inner := e.Unwrap(); inner != nil {
				walk(inner)
				return
			}
			ps = append(ps, Problem{Message: err.Error()})
		default:
			ps = append(ps, Problem{Message: err.Error()})
		}
	}
	walk(err)
	return ps
}

// wrongType says, for the operator, what a value should have been.
func wrongType(err error) string {
	var want reflect.Type
	var got any
	var pe *mapstructure.ParseError
	var ue *mapstructure.UnconvertibleTypeError
	switch {
	case errors.As(err, &pe):
		want, got = pe.Expected.Type(), pe.Value
	case errors.As(err, &ue):
		want, got = ue.Expected.Type(), ue.Value
	default:
		return fmt.Sprintf("cannot use this value (%v); write it as in the example", err)
	}
	kind := "a value of type " + want.String()
	switch want.Kind() {
	case reflect.Int, reflect.Int64:
		kind = "a whole number"
	case reflect.String:
		kind = "a piece of text"
	case reflect.Slice:
		kind = "a list"
	case reflect.Struct:
		kind = "a section of keys"
	}
	shown := fmt.Sprintf("%q", fmt.Sprint(got))
	switch got.(type) {
	case map[string]any:
		shown = "a section of keys"
	case []any:
		shown = "a list"
	}
	return fmt.Sprintf("found %s, not %s; write %s here, as in the example", shown, kind, kind)
}

package config

import "strings"

// Problem is one thing wrong with the configuration: the key path where it
// is (e.g. "plan.tasks[3].lead", indexes from 0) and what to do about it.
type Problem struct {
	Key     string
	Message string
}

func (p Problem) String() string {
	if p.Key == "" {
		return p.Message
	}
	return p.Key + ": " + p.Message
}

// Problems is every problem found, in file order. It is an error when
// non-empty; Validate returns nil when there are none.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns ps as an error, or a nil error when there are no problems
// (a nil Problems stored in an error interface would not compare to nil).
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Keys returns the key of every problem, in order.
func (ps Problems) Keys() []string {
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.Key
	}
	return keys
}

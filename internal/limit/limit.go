// Package limit fills in the bounds a caller left unset. Every bound in
// duban (sizes, counts, timeouts) is positive; zero means "not configured"
// and takes the default, and so does a negative value, which would
// otherwise turn a bound into "reject everything" or "no bound at all".
package limit

// Number is what a bound is counted in (time.Duration included).
type Number interface {
	~int | ~int64 | ~float64
}

// Or returns v, or def when v is not positive.
func Or[T Number](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

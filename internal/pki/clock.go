package pki

import "time"

// Clock returns the current time. Issuance and renewal decisions read time
// only through a Clock so that tests can move it without sleeping.
type Clock func() time.Time

// SystemClock is the wall clock.
func SystemClock() time.Time { return time.Now() }

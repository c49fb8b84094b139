package provider

import (
	"errors"
	"testing"
)

func TestMemoizedChecksEachInputOnce(t *testing.T) {
	calls := map[string]int{}
	errBad := errors.New("bad input")
	check := memoized(func(s string) error {
		calls[s]++
		if s == "bad" {
			return errBad
		}
		return nil
	})
	for range 3 {
		if err := check("good"); err != nil {
			t.Fatalf("check(good) = %v", err)
		}
		if err := check("bad"); !errors.Is(err, errBad) {
			t.Fatalf("check(bad) = %v, want %v", err, errBad)
		}
	}
	if calls["good"] != 1 || calls["bad"] != 1 {
		t.Errorf("calls = %v, want each input checked once", calls)
	}
}

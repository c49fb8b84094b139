package dockerconf

import "slices"

// Field names one input of a rendering: the name its documentation, its
// messages and its callers share ("hosts", "rootless_user.uid"), dotted for
// a nested one. Each consumer declares the fields it reports beside its
// type (DaemonFields, BuildkitdFields, ...), so a caller can check that it
// takes every one of them; none is spelt anywhere else.
type Field string

// Problem is something wrong, or worth a warning, in a configuration's
// input, found before or while rendering it. The caller attaches it to the
// input it names.
type Problem struct {
	// Field is the input it is about; empty for the configuration as a
	// whole.
	Field Field
	// Index is the element of a list input it is about, when HasIndex.
	Index    int
	HasIndex bool
	// Key is the element of a map input it is about, when not empty.
	Key     string
	Warning bool
	Summary string
	Detail  string
}

// Pending is the set of inputs whose values are not known yet: a plan
// computes some from resources still to be created. A check that needs one
// of them does not run; Render needs every input, so a caller renders only
// once none is pending.
type Pending map[Field]bool

// Any reports whether any of fields is pending.
func (p Pending) Any(fields ...Field) bool {
	return slices.ContainsFunc(fields, func(f Field) bool { return p[f] })
}

// hasError reports whether any problem is an error.
func hasError(problems []Problem) bool {
	return slices.ContainsFunc(problems, func(p Problem) bool { return !p.Warning })
}

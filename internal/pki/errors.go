package pki

// Input names which input of an operation an InputError is about, so that
// the caller can attach the error to the right attribute.
type Input int

// The inputs that errors are attributed to.
const (
	InputCACert Input = iota + 1
	InputCAKey
	InputCert
	InputKey
)

// InputError is an error about one input.
type InputError struct {
	Input Input
	Err   error
}

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

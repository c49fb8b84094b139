package dockerconf

// Problem is something wrong, or worth a warning, in a configuration's
// input, found before or while rendering it. The caller attaches it to the
// argument it names.
type Problem struct {
	// Argument names the input it is about as the data source's argument,
	// dotted for a nested one ("rootless_user.uid"); empty for the
	// configuration as a whole.
	Argument string
	// Index is the element of a list argument it is about, when HasIndex.
	Index    int
	HasIndex bool
	Warning  bool
	Summary  string
	Detail   string
}

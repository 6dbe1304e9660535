package console

// SetAfterCopyPart sets the function called after each part of a multipart copy is
// stored, until the returned function removes it. The tests of this package do not
// run in parallel.
func SetAfterCopyPart(f func(part int32)) (remove func()) {
	afterCopyPart = f
	return func() { afterCopyPart = nil }
}

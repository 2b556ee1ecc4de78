// Package bench compares ssetape with other libraries on the same input in
// the same run. It is a module of its own (with a replace to the checkout) so
// that the main module never depends on the libraries it is compared with.
//
//	cd bench && go test -run XXX -bench . -benchtime 3s
package bench

module github.com/ssetape/ssetape/bench

go 1.26

require github.com/ssetape/ssetape v0.0.0

require github.com/tmaxmax/go-sse v0.12.0

replace github.com/ssetape/ssetape => ../

module github.com/ssetape/ssetape/bench

go 1.26

require github.com/ssetape/ssetape v0.0.0

require github.com/tmaxmax/go-sse v0.12.0

require go.yaml.in/yaml/v3 v3.0.6 // indirect

replace github.com/ssetape/ssetape => ../

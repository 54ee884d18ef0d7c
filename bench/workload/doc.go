// Package workload generates the synthetic trace traffic the peer
// comparison runs through both samplers: a shop of six services whose pods
// export SDK-like batches, with a canary release of one service.
//
// It is deliberately independent of cmd/canarygen (which drives the real
// OTel SDK over the network): the benchmark needs the batches in memory,
// cheaply, reproducibly from a seed, and streamed, so that during a memory
// measurement nothing but the processor under test holds spans.
package workload

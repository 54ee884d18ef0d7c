package traffic

import (
	"context"
	"fmt"
	"net"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Protocols of NewOTLPExporter.
const (
	ProtocolGRPC = "grpc"
	ProtocolHTTP = "http"
)

// OTLPOptions tune NewOTLPExporter. The zero value is the default.
type OTLPOptions struct {
	// Insecure sends without TLS. Loopback endpoints are always insecure.
	Insecure bool
	// Timeout bounds one export attempt; zero means 5s.
	Timeout time.Duration
	// RetryFor bounds the retries of one batch; zero means 5s.
	RetryFor time.Duration
}

// NewOTLPExporter returns an OTLP trace exporter to endpoint (host:port) over
// "grpc" or "http" (protobuf to /v1/traces). Its errors name the endpoint.
func NewOTLPExporter(ctx context.Context, protocol, endpoint string, o OTLPOptions) (sdktrace.SpanExporter, error) {
	host, _, err := net.SplitHostPort(endpoint)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q is not host:port: %w", endpoint, err)
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 5 * time.Second
	}
	insecure := o.Insecure || isLoopback(host)
	var exp sdktrace.SpanExporter
	switch protocol {
	case ProtocolGRPC:
		opts := []otlptracegrpc.Option{
			otlptracegrpc.WithEndpoint(endpoint),
			otlptracegrpc.WithTimeout(o.Timeout),
			otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{
				Enabled: true, InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second, MaxElapsedTime: o.RetryFor,
			}),
		}
		if insecure {
			opts = append(opts, otlptracegrpc.WithInsecure())
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	case ProtocolHTTP:
		opts := []otlptracehttp.Option{
			otlptracehttp.WithEndpoint(endpoint),
			otlptracehttp.WithTimeout(o.Timeout),
			otlptracehttp.WithRetry(otlptracehttp.RetryConfig{
				Enabled: true, InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second, MaxElapsedTime: o.RetryFor,
			}),
		}
		if insecure {
			opts = append(opts, otlptracehttp.WithInsecure())
		}
		exp, err = otlptracehttp.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("protocol %q is not grpc or http", protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("OTLP %s exporter to %s: %w", protocol, endpoint, err)
	}
	return namedExporter{SpanExporter: exp, name: protocol + "://" + endpoint}, nil
}

// namedExporter puts the destination in every error: "connection refused"
// alone does not say which of several endpoints was wrong.
type namedExporter struct {
	sdktrace.SpanExporter
	name string
}

func (n namedExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := n.SpanExporter.ExportSpans(ctx, spans); err != nil {
		return fmt.Errorf("export to %s: %w", n.name, err)
	}
	return nil
}

func (n namedExporter) Shutdown(ctx context.Context) error {
	if err := n.SpanExporter.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down exporter to %s: %w", n.name, err)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Command temporal-namespace waits until a Temporal cluster's frontend serves,
// registers a namespace on it when it is missing, and waits until matching
// and history answer through the frontend. deploy/temporal-cluster.sh
// runs it after starting the cluster: the Temporal server creates no namespace
// by itself, and the `temporal` CLI is a large build of its own for one call.
//
//	go run ./deploy/temporal-namespace -address 127.0.0.1:7233 -namespace default -retention 168h
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

func main() {
	address := flag.String("address", "127.0.0.1:7233", "the Temporal frontend, host:port")
	namespace := flag.String("namespace", "default", "the namespace to register")
	retention := flag.Duration("retention", 168*time.Hour, "how long closed workflows stay in Temporal")
	wait := flag.Duration("wait", 2*time.Minute, "how long to wait for the frontend and the namespace")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *wait)
	defer cancel()
	if err := ensure(ctx, *address, *namespace, *retention); err != nil {
		fmt.Fprintf(os.Stderr, "temporal-namespace: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("namespace %s is registered on %s\n", *namespace, *address)
}

// ensure dials until the frontend answers, registers the namespace unless it
// exists, then waits until the frontend describes it (its namespace cache
// refreshes every few seconds, and a worker started before that fails).
func ensure(ctx context.Context, address, namespace string, retention time.Duration) error {
	var c client.Client
	var err error
	for {
		c, err = client.DialContext(ctx, client.Options{HostPort: address, Namespace: namespace})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("frontend %s never answered: %w", address, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	defer c.Close()
	svc := c.WorkflowService()
	_, err = svc.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(retention),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("register namespace %s: %w", namespace, err)
	}
	for {
		_, err = svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("namespace %s never became visible: %w", namespace, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The frontend answers before matching and history joined it: a task
	// queue's description needs matching, a workflow's needs history.
	for {
		_, err = c.DescribeTaskQueue(ctx, "temporal-namespace-check", enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil {
			_, err = c.DescribeWorkflowExecution(ctx, "temporal-namespace-check", "")
			var notFound *serviceerror.NotFound
			if errors.As(err, &notFound) {
				return nil
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("matching and history of %s never answered: %w", address, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

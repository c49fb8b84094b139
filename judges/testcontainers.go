package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// testcontainersRun starts a container of image that echoes word, with
// testcontainers-go configured as a user configures it (HOME's
// .testcontainers.properties and the environment), waits for it to exit
// and returns what it printed. The container has no network: the hosts of
// the tests have no bridge. Ryuk, which needs an image from Docker Hub, is
// for the caller to turn off (TESTCONTAINERS_RYUK_DISABLED).
func testcontainersRun(image, word string) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := testcontainers.Run(ctx, image,
		testcontainers.WithCmd("echo", word),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { hc.NetworkMode = "none" }),
		testcontainers.WithWaitStrategy(wait.ForExit().WithExitTimeout(time.Minute)))
	if c != nil {
		defer func() { _ = c.Terminate(context.Background()) }()
	}
	if err != nil {
		return nil, err
	}
	r, err := c.Logs(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	logs := string(b)
	if !strings.Contains(logs, word) {
		return nil, errors.New("the container's output lacks " + word + ": " + fmt.Sprintf("%q", logs))
	}
	return map[string]any{"logs": logs}, nil
}

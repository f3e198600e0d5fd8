// RunPlugin for the Node.js language host of sdk v3.68.0, the newest host the Go proxy serves
// (its own module is refused): that host answers "not supported", and the CLI 3.248 runs
// policy packs (`pulumi preview --policy-pack`) through RunPlugin. tools/e2e/toolchain.sh copies
// the host's package next to this file and points its RunPlugin stub here. It runs the pack as
// later hosts do: node with @pulumi/pulumi's cmd/run-plugin, resolved from the pack's directory,
// the engine's arguments passed on, output streamed back, the exit code returned last.
package main

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of the newer protocol, unknown to this host's generated code:
// RunPluginRequest.info (5) is a ProgramInfo whose program_directory is field 2.
const (
	runPluginInfoField        protowire.Number = 5
	programInfoDirectoryField protowire.Number = 2
)

// bytesField returns the first length-delimited field `number` of an encoded message.
func bytesField(raw []byte, number protowire.Number) []byte {
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return nil
		}
		raw = raw[n:]
		if num == number && typ == protowire.BytesType {
			value, m := protowire.ConsumeBytes(raw)
			if m < 0 {
				return nil
			}
			return value
		}
		m := protowire.ConsumeFieldValue(num, typ, raw)
		if m < 0 {
			return nil
		}
		raw = raw[m:]
	}
	return nil
}

// pluginDirectory is where the plugin (the policy pack) lives: the deprecated `program` field
// of older CLIs, else the newer `info.program_directory`.
func pluginDirectory(req *pulumirpc.RunPluginRequest) string {
	if req.Program != "" {
		return req.Program
	}
	info := bytesField(req.ProtoReflect().GetUnknown(), runPluginInfoField)
	return string(bytesField(info, programInfoDirectoryField))
}

func runPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	dir := pluginDirectory(req)
	if dir == "" {
		return errors.New("RunPlugin: the request names no plugin directory")
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("RunPlugin: node not found: %w", err)
	}
	resolve := exec.Command(nodeBin, "-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run-plugin'))")
	resolve.Dir = dir
	out, err := resolve.Output()
	if err != nil {
		return fmt.Errorf("RunPlugin: @pulumi/pulumi is not installed where %s can load it: %w", dir, err)
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	args := append([]string{strings.TrimSpace(string(out)), "--pwd", dir, dir}, req.Args...)
	cmd := exec.Command(nodeBin, args...)
	cmd.Dir = dir
	cmd.Env = req.Env
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	code := int32(0)
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			closer.Close()
			return fmt.Errorf("RunPlugin: %w", err)
		}
		code = int32(exit.ExitCode())
	}
	if err := closer.Close(); err != nil {
		return err
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

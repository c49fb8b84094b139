package pluginprocess

import "os"

// logRequestVars are the variables with which a user asks Terraform or
// OpenTofu for provider logs. Without any of them the CLI discards
// everything the provider writes to its log.
var logRequestVars = []string{
	"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_DOCKERTLS",
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK",
}

// QuietLogsUnlessRequested switches the plugin SDKs' loggers off when no
// logs were asked for. Unset, their level defaults to TRACE, so every RPC
// formats dozens of JSON log lines only for the CLI to drop them: about a
// third of the provider's CPU time in `make bench`. When logs are asked for,
// nothing changes.
func QuietLogsUnlessRequested() {
	for _, name := range logRequestVars {
		if os.Getenv(name) != "" {
			return
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
		_ = os.Setenv(name, "OFF")
	}
}

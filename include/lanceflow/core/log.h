// Logging to stderr with secret redaction. Every registered secret (API keys, tokens, credentials
// found in server responses) is replaced by "***" in anything that goes through Redact(), which
// the logger and the CLI's error printer both call. Thread safe.
#pragma once

#include <string>
#include <string_view>

namespace lanceflow {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Secrets shorter than 4 bytes are ignored (they would redact ordinary text).
void RegisterSecret(std::string secret);
// `text` with every registered secret replaced by "***".
std::string Redact(std::string_view text);
// Redact(text) on one line: line breaks become spaces. What error messages become wherever they
// leave the program (the CLI's "lanceflow: error: ...", Python and Java exceptions).
std::string RedactedLine(std::string_view text);

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug|info|warn|error|off"; returns false on anything else.
bool ParseLogLevel(std::string_view name, LogLevel* out);
void Log(LogLevel level, std::string_view message);

}  // namespace lanceflow

#define LF_LOG(level, msg)                                                         \
  do {                                                                             \
    if (::lanceflow::LogLevel::level >= ::lanceflow::GetLogLevel())                \
      ::lanceflow::Log(::lanceflow::LogLevel::level, (msg));                       \
  } while (0)

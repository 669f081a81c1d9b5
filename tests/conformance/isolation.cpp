#include "conformance/isolation.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

namespace int8rt::conformance {
namespace {

void put_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

bool get_field(std::string_view& in, std::string& field) {
  const size_t colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  size_t size = 0;
  for (char c : in.substr(0, colon)) {
    if (c < '0' || c > '9') return false;
    size = size * 10 + static_cast<size_t>(c - '0');
  }
  in.remove_prefix(colon + 1);
  if (size > in.size()) return false;
  field.assign(in.substr(0, size));
  in.remove_prefix(size);
  return true;
}

bool write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

Outcome failed(std::string reason) {
  return {Verdict::kFail, std::move(reason), "", {}};
}

}  // namespace

std::string serialize(const Outcome& outcome) {
  std::string out;
  put_field(out, std::to_string(static_cast<int>(outcome.verdict)));
  put_field(out, outcome.reason);
  put_field(out, outcome.detail);
  put_field(out, std::to_string(outcome.ops.size()));
  for (const std::string& op : outcome.ops)
    put_field(out, op);
  return out;
}

bool deserialize(std::string_view bytes, Outcome& outcome) {
  std::string verdict, count;
  if (!get_field(bytes, verdict) || !get_field(bytes, outcome.reason) ||
      !get_field(bytes, outcome.detail) || !get_field(bytes, count)) {
    return false;
  }
  if (verdict != "0" && verdict != "1" && verdict != "2") return false;
  outcome.verdict = static_cast<Verdict>(verdict[0] - '0');
  if (count.empty() || count.size() > 6) return false;
  outcome.ops.assign(std::stoul(count), "");
  for (std::string& op : outcome.ops) {
    if (!get_field(bytes, op)) return false;
  }
  return bytes.empty();
}

Outcome run_isolated(const std::function<Outcome()>& body, int timeout_seconds) {
  int fds[2];
  if (::pipe(fds) != 0) return failed(std::string("pipe: ") + std::strerror(errno));
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return failed(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    if (timeout_seconds > 0) ::alarm(static_cast<unsigned>(timeout_seconds));
    const Outcome outcome = body();
    const bool written = write_all(fds[1], serialize(outcome));
    std::fflush(stderr);
    ::_exit(written ? 0 : 3);  // no atexit handlers or static destructors of the parent's state
  }

  ::close(fds[1]);
  std::string bytes;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (sig == SIGALRM) {
      return failed("timed out after " + std::to_string(timeout_seconds) + " s");
    }
    return failed("crashed: signal " + std::to_string(sig) + " (" + strsignal(sig) + ")");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return failed("test process exited with status " + std::to_string(WEXITSTATUS(status)));
  }
  Outcome outcome;
  if (!deserialize(bytes, outcome)) return failed("test process sent a malformed result");
  return outcome;
}

}  // namespace int8rt::conformance

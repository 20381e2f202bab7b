// Runs the real `cloudnet` binary on every document of the malformed corpus
// (tests/malformed, see expected.txt there) and on usage errors, as a
// subprocess with a hard time limit: a reader that crashes, hangs, exits with
// the wrong code or says nothing useful fails here.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

const std::string kCli = CLOUDNET_BINARY_DIR "/bin/cloudnet";
const fs::path kCorpus = CLOUDNET_SOURCE_DIR "/tests/malformed";
// Binary and large documents, written by tests/malformed/generate.sh when the
// test is built (tests/CMakeLists.txt).
const fs::path kGenerated = CLOUDNET_BINARY_DIR "/tests/malformed-generated";
// What a user may wait for the biggest document; sanitized builds (CI) run
// the parser several times slower, so they get three times as long.
#if defined(__SANITIZE_ADDRESS__)
constexpr auto kTimeLimit = std::chrono::seconds(60);
#else
constexpr auto kTimeLimit = std::chrono::seconds(20);
#endif

// ------------------------------------------------------------ subprocess

struct Outcome {
  bool timed_out = false;
  int signal = 0;      // terminating signal, 0 if it exited
  int exit_code = -1;  // exit status if it exited
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs argv (argv[0] is the program path) with stdin from /dev/null and
// stdout/stderr captured in files (no pipe can fill up), killing it after
// kTimeLimit.
Outcome run_cli(const std::vector<std::string>& args) {
  Outcome r;
  const fs::path dir =
      fs::temp_directory_path() /
      ("cloudnet-malformed-" + std::to_string(::getpid()) + "-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(dir);
  const std::string out_path = (dir / "stdout").string();
  const std::string err_path = (dir / "stderr").string();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    r.err = "posix_spawn failed: " + std::string(std::strerror(rc));
    fs::remove_all(dir);
    return r;
  }

  const auto deadline = std::chrono::steady_clock::now() + kTimeLimit;
  int status = 0;
  while (true) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!r.timed_out) {
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  }
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  fs::remove_all(dir);
  return r;
}

std::string describe(const Outcome& r) {
  std::ostringstream ss;
  ss << "exit " << r.exit_code << (r.timed_out ? ", killed after the time limit" : "");
  if (r.signal) ss << ", killed by signal " << r.signal << " (" << ::strsignal(r.signal) << ")";
  ss << "\n--- stderr (first 4000 bytes) ---\n" << r.err.substr(0, 4000);
  ss << "\n--- stdout (first 1000 bytes) ---\n" << r.out.substr(0, 1000);
  return ss.str();
}

// ------------------------------------------------------------ manifest

struct Manifest {
  std::vector<std::string> files;                         // in manifest order
  std::map<std::string, std::vector<std::string>> needs;  // file -> substrings
  std::vector<std::string> problems;                      // malformed manifest lines
};

const Manifest& manifest() {
  static const Manifest parsed = [] {
    Manifest m;
    std::ifstream in(kCorpus / "expected.txt");
    std::string line;
    int nr = 0;
    while (std::getline(in, line)) {
      ++nr;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      const auto tab = line.find('\t');
      if (tab == std::string::npos || tab == 0 || tab + 1 == line.size()) {
        m.problems.push_back("expected.txt:" + std::to_string(nr) +
                             ": not FILE<TAB>substring: " + line);
        continue;
      }
      const std::string file = line.substr(0, tab);
      if (!m.needs.contains(file)) m.files.push_back(file);
      m.needs[file].push_back(line.substr(tab + 1));
    }
    return m;
  }();
  return parsed;
}

fs::path locate(const std::string& name) {
  if (fs::exists(kCorpus / name)) return kCorpus / name;
  return kGenerated / name;
}

// Files actually present in the corpus folders.
std::set<std::string> corpus_files() {
  std::set<std::string> names;
  for (const auto& dir : {kCorpus, kGenerated}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string n = e.path().filename().string();
      if (!e.is_regular_file() || n == "expected.txt" || n == "generate.sh" || n[0] == '.')
        continue;
      names.insert(n);
    }
  }
  return names;
}

// ------------------------------------------------------------ corpus tests

TEST(MalformedCorpus, ManifestCoversEveryFile) {
  const Manifest& m = manifest();
  for (const auto& p : m.problems) ADD_FAILURE() << p;
  ASSERT_TRUE(fs::is_directory(kGenerated))
      << kGenerated << " is missing: build the `malformed_corpus` target (or run "
      << "tests/malformed/generate.sh " << kGenerated << ")";
  const auto present = corpus_files();
  for (const auto& f : present) {
    EXPECT_TRUE(m.needs.contains(f)) << f << " is in the corpus but not in expected.txt";
  }
  for (const auto& f : m.files) {
    EXPECT_TRUE(present.contains(f))
        << f << " is in expected.txt but in neither " << kCorpus << " nor " << kGenerated;
  }
  EXPECT_GE(present.size(), 40u);
  EXPECT_GE(m.files.size(), 40u);
}

// "FILE:LINE:COL: error: message" (Diagnostic::format()); FILE may contain ':'.
struct Located {
  bool ok = false;
  std::string file;
  int line = 0;
  int column = 0;
};

Located parse_error_line(const std::string& text) {
  Located out;
  const auto tag = text.find(": error: ");
  if (tag == std::string::npos) return out;
  const std::string head = text.substr(0, tag);  // FILE:LINE:COL
  const auto c2 = head.rfind(':');
  if (c2 == std::string::npos || c2 == 0) return out;
  const auto c1 = head.rfind(':', c2 - 1);
  if (c1 == std::string::npos) return out;
  const std::string ln = head.substr(c1 + 1, c2 - c1 - 1);
  const std::string col = head.substr(c2 + 1);
  auto digits = [](const std::string& d) {
    return !d.empty() && d.size() < 10 &&
           std::all_of(d.begin(), d.end(), [](unsigned char c) { return std::isdigit(c); });
  };
  if (!digits(ln) || !digits(col)) return out;
  out.ok = true;
  out.file = head.substr(0, c1);
  out.line = std::stoi(ln);
  out.column = std::stoi(col);
  return out;
}

class MalformedDocument : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedDocument, IsRejectedWithALocatedError) {
  const std::string name = GetParam();
  const fs::path path = locate(name);
  ASSERT_TRUE(fs::exists(path)) << name << " not found in " << kCorpus << " or " << kGenerated;
  ASSERT_TRUE(fs::exists(kCli)) << kCli << " is missing; build the `cloudnet` target";
  const auto size = fs::file_size(path);

  const Outcome r = run_cli({kCli, "validate", path.string()});
  ASSERT_FALSE(r.timed_out) << name << ": still running after " << kTimeLimit.count() << " s\n"
                            << describe(r);
  ASSERT_EQ(r.signal, 0) << name << ": crashed\n" << describe(r);
  EXPECT_EQ(r.exit_code, 1) << name << ": `cloudnet validate` must exit 1 on an invalid document\n"
                            << describe(r);
  for (const char* crash : {"AddressSanitizer", "runtime error:", "terminate called", "Aborted"}) {
    EXPECT_EQ(r.err.find(crash), std::string::npos) << name << ": " << crash << "\n" << describe(r);
  }

  // Every error names the file, a line and a column; line 0 only for a file
  // that has no lines to point at.
  std::istringstream lines(r.err);
  std::string line;
  int errors = 0;
  while (std::getline(lines, line)) {
    const Located e = parse_error_line(line);
    if (!e.ok) continue;
    ++errors;
    EXPECT_EQ(e.file, path.string()) << "error line does not name the file: " << line;
    if (size > 0) {
      EXPECT_GE(e.line, 1) << name << ": error without a line: " << line;
      EXPECT_GE(e.column, 1) << name << ": error without a column: " << line;
    }
  }
  EXPECT_GE(errors, 1) << name << ": no FILE:LINE:COL: error: line\n" << describe(r);

  for (const auto& want : manifest().needs.at(name)) {
    EXPECT_NE(r.err.find(want), std::string::npos)
        << name << ": expected the message to contain \"" << want << "\"\n"
        << describe(r);
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s;
  for (const char c : info.param) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Corpus, MalformedDocument, ::testing::ValuesIn(manifest().files),
                         test_name);

// ------------------------------------------------------------ usage errors

// A small valid document, for the usage tests that need a readable input.
const char* const kValid = R"(Topology:
  - NetworkElement:
      - id: h1
        identifier: Host1
        ne_type: /node/host/server
        networkInterfaces:
          - id: h1i0
            identifier: eth0
            ni_type: /interface/ethernet
)";

class CliUsage : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cloudnet-usage-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    valid_ = (dir_ / "valid.yaml").string();
    std::ofstream(valid_) << kValid;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string valid_;
};

TEST_F(CliUsage, ValidDocumentPasses) {
  // The corpus tests mean something only if a good document gets exit 0.
  const Outcome r = run_cli({kCli, "validate", valid_});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("valid"), std::string::npos) << describe(r);
}

TEST_F(CliUsage, UnknownSubcommandIsAUsageError) {
  const Outcome r = run_cli({kCli, "frobnicate", valid_});
  ASSERT_EQ(r.signal, 0) << describe(r);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  // CLI11 (require_subcommand) reports "A subcommand is required" here.
  EXPECT_NE(r.err.find("subcommand"), std::string::npos) << describe(r);
  EXPECT_NE(r.err.find("--help"), std::string::npos) << describe(r);
}

TEST_F(CliUsage, NoSubcommandIsAUsageError) {
  const Outcome r = run_cli({kCli});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("subcommand is required"), std::string::npos) << describe(r);
}

TEST_F(CliUsage, ValidateWithoutFilesIsAUsageError) {
  const Outcome r = run_cli({kCli, "validate"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("files is required"), std::string::npos) << describe(r);
}

TEST_F(CliUsage, MissingFileIsAnInvalidDocumentAtLineZero) {
  // cmd_flerd.cc: read_file reports an unopenable file as a diagnostic at
  // line 0, so validate counts it as an invalid document (exit 1).
  const std::string missing = (dir_ / "no-such-file.xml").string();
  const Outcome r = run_cli({kCli, "validate", missing});
  ASSERT_EQ(r.signal, 0) << describe(r);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find(missing + ":0:0: error: cannot open file: No such file or directory"),
            std::string::npos)
      << describe(r);
}

TEST_F(CliUsage, MissingFileAmongGoodOnesStillFails) {
  const Outcome r = run_cli({kCli, "validate", valid_, (dir_ / "gone.json").string()});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find(valid_ + ": valid"), std::string::npos) << describe(r);
}

TEST_F(CliUsage, UnknownFormatOptionIsAUsageError) {
  const Outcome r = run_cli({kCli, "validate", "--format", "toml", valid_});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("unknown format 'toml' for --format"), std::string::npos) << describe(r);
}

TEST_F(CliUsage, ConvertToAnUnknownExtensionIsAUsageError) {
  const std::string out = (dir_ / "out.txt").string();
  const Outcome r = run_cli({kCli, "convert", valid_, out});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("cannot tell the output format of '" + out + "'"), std::string::npos)
      << describe(r);
  EXPECT_FALSE(fs::exists(out)) << "nothing may be written";
}

TEST_F(CliUsage, ConvertToAnUnknownFormatIsAUsageError) {
  const std::string out = (dir_ / "out.json").string();
  const Outcome r = run_cli({kCli, "convert", valid_, out, "--to", "pdf"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("unknown format 'pdf' for --to"), std::string::npos) << describe(r);
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliUsage, ConvertOfAMalformedDocumentWritesNothing) {
  const std::string out = (dir_ / "out.json").string();
  const Outcome r =
      run_cli({kCli, "convert", (kCorpus / "json-trailing-comma.json").string(), out});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("not converting"), std::string::npos) << describe(r);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".tmp"));
}

TEST_F(CliUsage, ConvertIntoAMissingDirectoryIsAnIoError) {
  const std::string out = (dir_ / "no" / "such" / "dir" / "out.xml").string();
  const Outcome r = run_cli({kCli, "convert", valid_, out});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("cannot write"), std::string::npos) << describe(r);
}

}  // namespace

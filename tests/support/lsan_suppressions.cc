// LeakSanitizer suppressions for the sanitizer build (-DCLOUDNET_SANITIZE=ON),
// linked into every test binary (cmake/CloudNet.cmake, cloudnet_test):
// CoinUtils' presolve (used by CLP/CBC, e.g. presolve_dupmajor) leaks a few
// small blocks on some solves upstream, in any test that maps with CBC. Only
// our own code's leaks should fail the tests.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libCoinUtils.so\n";
}

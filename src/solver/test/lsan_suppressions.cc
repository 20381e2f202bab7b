// LeakSanitizer suppressions for the sanitizer build (-DCLOUDNET_SANITIZE=ON):
// CoinUtils' presolve (used by CLP/CBC) leaks a few small blocks per solve
// upstream. Only our own code's leaks should fail the tests.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libCoinUtils.so\n";
}

/* The native half of NativePlugin: the test compiles it to libgenpipetestnative.so in the plugin folder. */
int genpipe_test_triple_plus_one(int x) { return 3 * x + 1; }

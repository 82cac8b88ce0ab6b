#include <cstdio>
int main() { std::puts("lanceflow"); return 0; }

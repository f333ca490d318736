#pragma once
// Sanitizer builds (scripts/sanitize.sh: Debug with ASan) run several times
// slower and keep freed memory in quarantine: time budgets and memory
// bounds of the flood and replay tests are multiplied by these there.

namespace longline::testing {

#if defined(__SANITIZE_ADDRESS__)
constexpr int BudgetScale = 6;
constexpr int MemoryScale = 16;
#else
constexpr int BudgetScale = 1;
constexpr int MemoryScale = 1;
#endif

} // namespace longline::testing

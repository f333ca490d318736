#pragma once
// How many protocol errors a connection may cause: more than MaxErrors in
// one Window and it is closed, since a client that only ever errs is a
// broken or hostile one. Fixed windows, so the state is two numbers per
// connection; free of timers: the caller passes the monotonic time.

#include "livenesssettings.h"

#include <chrono>

namespace longline::server {

using namespace std::chrono_literals;

class ErrorBudget
{
public:
    static constexpr int MaxErrors = 30;
    static constexpr Millis Window = 10s;

    // Counts an error; false when it is one more than the window allows.
    bool spend(Millis now)
    {
        if (m_count == 0 || now - m_windowStart >= Window) {
            m_windowStart = now;
            m_count = 0;
        }
        return ++m_count <= MaxErrors;
    }

private:
    Millis m_windowStart{0};
    int m_count = 0;
};

} // namespace longline::server

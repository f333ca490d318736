#pragma once
// In CI (CI=true: root, Linux, everything installed) every test must run: a
// missing prerequisite fails the test there, and elsewhere skips it with the
// reason, so a green CI never hides a test that did not run.

#include <QByteArray>
#include <QTest>

namespace longline::test {

inline bool inCi()
{
    return qEnvironmentVariable("CI") == QLatin1String("true");
}

} // namespace longline::test

// `reason` is a const char * or a QByteArray.
#define LONGLINE_SKIP_UNLESS_CI(reason)                                                            \
    do {                                                                                           \
        const QByteArray why_(reason);                                                             \
        if (longline::test::inCi())                                                                \
            QFAIL(why_.constData());                                                               \
        QSKIP(why_.constData());                                                                   \
    } while (false)

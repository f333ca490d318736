#include "filelimit.h"

#include <QFile>
#include <cerrno>
#include <cstring>
#include <sys/resource.h>

namespace longline::server {

namespace {
qint64 asNumber(rlim_t v)
{
    return v == RLIM_INFINITY ? -1 : static_cast<qint64>(v);
}

// An "unlimited" hard limit cannot be used as a soft limit above the
// kernel's per-process ceiling, fs.nr_open.
rlim_t kernelCeiling()
{
    QFile f(QStringLiteral("/proc/sys/fs/nr_open"));
    if (f.open(QIODevice::ReadOnly)) {
        bool ok = false;
        const qulonglong v = f.readAll().trimmed().toULongLong(&ok);
        if (ok && v > 0)
            return static_cast<rlim_t>(v);
    }
    return 1024 * 1024;
}
} // namespace

FileLimitReport raiseFileLimit()
{
    FileLimitReport r;
    struct rlimit lim;
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        r.error = QStringLiteral("getrlimit: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return r;
    }
    r.softBefore = asNumber(lim.rlim_cur);
    r.hard = asNumber(lim.rlim_max);
    r.softAfter = r.softBefore;
    const rlim_t target = lim.rlim_max == RLIM_INFINITY ? kernelCeiling() : lim.rlim_max;
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < target) {
        struct rlimit raised = lim;
        raised.rlim_cur = target;
        if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
            r.error =
                QStringLiteral("setrlimit: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
            return r;
        }
        r.softAfter = asNumber(target);
    }
    return r;
}

} // namespace longline::server

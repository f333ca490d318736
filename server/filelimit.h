#pragma once
// Every client costs one file descriptor; the usual soft limit of 1024
// would cap the server far below --max-clients. Raise the soft limit to the
// hard limit at startup (what systemd's LimitNOFILE= sets).

#include <QString>

namespace longline::server {

struct FileLimitReport
{
    qint64 softBefore = -1; // -1: unlimited or unknown
    qint64 softAfter = -1;
    qint64 hard = -1;
    QString error; // empty on success
};

FileLimitReport raiseFileLimit();

} // namespace longline::server

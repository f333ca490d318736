#pragma once
// Reads longline-server's configuration file: one "key = value" per line,
// blank lines and lines starting with '#' ignored. Which keys exist and what
// their values mean is the option table's business (serveroptions.h); this
// only splits lines and remembers where each came from, for error messages.

#include <QList>
#include <QString>

namespace longline::server {

struct ConfigEntry
{
    QString key;
    QString value; // trimmed; may be empty
    int line = 0;  // 1-based
};

struct ConfigFile
{
    QString path;
    QList<ConfigEntry> entries;

    // "PATH:LINE", how errors and --check-config name a setting's origin.
    QString where(int line) const;
    // False with *error ("PATH:LINE: ...", or "PATH: ..." when unreadable).
    static bool read(const QString &path, ConfigFile *out, QString *error);
};

} // namespace longline::server

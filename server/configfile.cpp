#include "configfile.h"

#include <QFile>

namespace longline::server {

namespace {
// A configuration file is a few dozen lines; anything this big is not one.
constexpr qint64 MaxConfigBytes = 1024 * 1024;
} // namespace

QString ConfigFile::where(int line) const
{
    return QStringLiteral("%1:%2").arg(path).arg(line);
}

bool ConfigFile::read(const QString &path, ConfigFile *out, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = QStringLiteral("%1: cannot read the configuration file: %2")
                     .arg(path, file.errorString());
        return false;
    }
    if (file.size() > MaxConfigBytes) {
        *error = QStringLiteral("%1: larger than %2 bytes, not a configuration file")
                     .arg(path)
                     .arg(MaxConfigBytes);
        return false;
    }
    ConfigFile result;
    result.path = path;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (int i = 0; i < lines.size(); ++i) {
        const int lineNumber = i + 1;
        const QString line = QString::fromUtf8(lines.at(i)).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const int equals = line.indexOf(QLatin1Char('='));
        if (equals <= 0) {
            *error = QStringLiteral("%1: expected 'key = value', got '%2'")
                         .arg(result.where(lineNumber), line);
            return false;
        }
        ConfigEntry entry;
        entry.key = line.left(equals).trimmed();
        entry.value = line.mid(equals + 1).trimmed();
        entry.line = lineNumber;
        result.entries.append(entry);
    }
    *out = result;
    return true;
}

} // namespace longline::server

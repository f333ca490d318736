#include "certificatefingerprint.h"

#include <QCryptographicHash>
#include <QStringList>

namespace longline {

QString certificateFingerprint(const QSslCertificate &certificate)
{
    const QByteArray hex = certificate.digest(QCryptographicHash::Sha256).toHex().toUpper();
    QStringList pairs;
    for (qsizetype i = 0; i < hex.size(); i += 2)
        pairs.append(QString::fromLatin1(hex.mid(i, 2)));
    return pairs.join(QLatin1Char(':'));
}

static QString normalized(QString hex)
{
    hex.remove(QLatin1Char(':'));
    return hex.trimmed().toUpper();
}

bool fingerprintsMatch(const QString &a, const QString &b)
{
    return !normalized(a).isEmpty() && normalized(a) == normalized(b);
}

} // namespace longline

"""Why an account cannot be used (credentials, tokens, renewals, stored Instagram sessions), in
Bahasa Indonesia and English: part of the one table platforms/reasons.py translates with.

Kept apart from the publishing reasons because these sentences are stored on the Account too
(`refresh_error`, `health_reason`) and shown on the accounts page, and they tell an admin what
to do rather than staff what happened to a post. Same layout: code -> (Indonesian, English),
`str.format` fields, the English being what the database, logs and the CLI keep.
"""

from __future__ import annotations

ACCESS: dict[str, tuple[str, str]] = {
    # -- credentials (base.py, instagram_private/backend.py)
    "access.missing": ("Akun {label} {name} belum lengkap kredensialnya: {fields}",
                       "The {label} account {name} is missing credentials: {fields}"),
    # -- tokens (tokens.py)
    "token.ended": ("Akses ke {label} untuk {name} berakhir: admin harus masuk lagi.",
                    "The access to {label} for {name} ended: an admin must sign in again."),
    "token.ended_on": ("Akses ke {label} untuk {name} berakhir pada {day}: admin harus masuk "
                       "lagi.",
                       "The access to {label} for {name} ended on {day}: an admin must sign in "
                       "again."),
    "token.data_ended": ("Akses data {label} untuk {name} berakhir pada {day}: admin harus "
                         "masuk lagi.",
                         "{label}'s data access for {name} ended on {day}: an admin must sign "
                         "in again."),
    "token.busy": ("Akses ke {label} sedang diperbarui oleh proses lain; dicoba lagi nanti.",
                   "The access to {label} is being renewed by another worker; trying again "
                   "later."),
    "token.refresh_lost": (
        "{label} tidak lagi menerima token pembaruan {name}: jawaban atas pembaruan sebelumnya "
        "hilang di jalan, jadi token barunya tidak pernah sampai. Admin harus masuk lagi.",
        "{label} no longer accepts {name}'s refresh token: the answer to an earlier renewal "
        "was lost on the way, so the new token never arrived. An admin must sign in again."),
    "token.revoked": (
        "{label} menolak memperbarui akses {name} ({why}); aksesnya mungkin sudah dicabut. "
        "Admin harus masuk lagi.",
        "{label} refused to renew the access of {name} ({why}); the access was probably "
        "withdrawn. An admin must sign in again."),
    "token.lost": ("Jawaban atas pembaruan akses terakhir tidak pernah sampai; akses yang "
                   "dipakai sekarang tetap berlaku sampai berakhir.",
                   "The answer to the last renewal of the access never arrived; the access in "
                   "use still works until it ends."),
    "token.retry": ("{why} Akan dicoba lagi.", "{why} It will be tried again."),
    # -- X's renewal of an OAuth 2.0 access (x/oauth2.py)
    "x.renew_failed": ("X tidak dapat memperbarui aksesnya ({status}).",
                       "X could not renew the access ({status})."),
    "x.refresh_refused": ("X menolak token pembaruannya ({said}).",
                          "X refused the refresh token ({said})."),
    "x.renew_no_answer": ("X tidak menjawab permintaan pembaruan akses.",
                          "X did not answer the renewal."),
    "x.renew_unreachable": ("X tidak dapat dihubungi untuk memperbarui aksesnya.",
                            "X could not be reached to renew the access."),
    "x.keys_refused": (
        "X tidak menerima kunci dan token ini (401 Unauthorized): periksa bahwa keempatnya "
        "tersalin utuh dan berasal dari aplikasi yang sama.",
        "X did not accept these keys and tokens (401 Unauthorized): check that all four were "
        "copied completely and belong to the same app."),
    "x.no_whoami": ("X menjawab tanpa menyebut akun siapa ini.",
                    "X answered without saying whose account it is."),
    # -- Facebook and Instagram ids typed in by an admin (facebook.py, instagram.py)
    "fb.page_id": ("ID Halaman Facebook berupa angka (tertera di Tentang → Transparansi "
                   "Halaman).",
                   "A Facebook Page id is a number (shown under the Page's About → Page "
                   "transparency)."),
    "ig.user_id": ("ID pengguna Instagram berupa angka (instagram_business_account dari Halaman "
                   "Facebook-nya).",
                   "An Instagram user id is a number (the instagram_business_account of the "
                   "Facebook Page)."),
    # -- Instagram without the Graph API: stored sessions (instagram_private/)
    "igp.not_installed": (
        "Jalur Instagram tidak resmi memerlukan tambahan instagrapi, yang belum terpasang di "
        "server ini: jalankan pip install 'library-outreach[instagrapi]', atau sambungkan akunnya "
        "lewat Graph API.",
        "The unofficial Instagram backend needs the instagrapi extra, which is not installed "
        "on this server: run pip install 'library-outreach[instagrapi]', or connect the "
        "account through the Graph API instead."),
    "igp.no_user": (
        "Sesi Instagram tersimpan milik @{user} tidak memuat pengguna yang masuk; simpan sesi "
        "baru (docs/platforms.md).",
        "The stored Instagram session of @{user} has no signed-in user; store a new session "
        "(docs/platforms.md)."),
    "igp.bad_session": (
        "Sesi Instagram tersimpan bukan JSON pengaturan instagrapi (Client.get_settings()); "
        "simpan sesi baru (docs/platforms.md).",
        "The stored Instagram session is not instagrapi's settings JSON "
        "(Client.get_settings()); store a new session (docs/platforms.md)."),
    "igp.bad_session_of": (
        "Sesi Instagram tersimpan milik {name} bukan JSON pengaturan instagrapi "
        "(Client.get_settings()); simpan sesi baru (docs/platforms.md).",
        "The stored Instagram session of {name} is not instagrapi's settings JSON "
        "(Client.get_settings()); store a new session (docs/platforms.md)."),
    "igp.bad_totp": (
        "Kunci TOTP tersimpan untuk akun Instagram ini bukan kunci base32 yang sah (seperti "
        "yang ditampilkan aplikasi autentikator saat verifikasi dua langkah diaktifkan).",
        "The stored TOTP seed of the Instagram account is not a valid base32 key (as the "
        "authenticator app shows it when two-factor authentication is set up)."),
    "igp.no_posts": ("Instagram tidak menampilkan kiriman akun ini dengan sesi ini (HTTP "
                     "{status}); coba lagi.",
                     "Instagram did not show the account's posts with this session (HTTP "
                     "{status}); try again."),
    "igp.relogin_refused": (
        "Sesi Instagram @{user} berakhir, dan masuk lagi dengan kata sandi tersimpan ditolak: "
        "{said}. Simpan sesi baru ({docs}).",
        "The Instagram session of @{user} ended, and signing in again with the stored "
        "password was refused: {said}. Store a new session ({docs})."),
    "igp.relogin_totp_refused": (
        "Sesi Instagram @{user} berakhir, dan masuk lagi dengan kata sandi dan kode TOTP "
        "tersimpan ditolak: {said}. Simpan sesi baru ({docs}).",
        "The Instagram session of @{user} ended, and signing in again with the stored "
        "password and TOTP code was refused: {said}. Store a new session ({docs})."),
    "igp.signin_refused": ("Instagram menolak memasukkan @{user}: {said}",
                           "Instagram refused to sign @{user} in: {said}"),
    "igp.suspended": (
        "Instagram menangguhkan {user}, jadi menolak {action}. Buka Instagram sebagai {user} "
        "untuk melihat alasannya dan mengajukan banding; penerbitan dilanjutkan setelah akunnya "
        "disambungkan ulang.",
        "Instagram has suspended {user}, so it refused {action}. Open Instagram as {user} to "
        "see why and appeal; publishing resumes once the account is reconnected."),
    "igp.upgrade": (
        "Instagram tidak lagi menerima versi aplikasi yang dipakai instagrapi: perbarui "
        "tambahan instagrapi (pip install -U 'library-outreach[instagrapi]'), lalu sambungkan "
        "ulang {user}.",
        "Instagram no longer accepts the app version instagrapi presents: update the "
        "instagrapi extra (pip install -U 'library-outreach[instagrapi]'), then reconnect "
        "{user}."),
    "igp.challenge": (
        "Instagram ingin memastikan bahwa yang memakai {user} memang perpustakaan (pemeriksaan "
        "keamanan), jadi menolak {action}. Buka Instagram sebagai {user} di ponsel perpustakaan "
        "atau di peramban, pastikan itu Anda, lalu simpan sesi baru ({docs}).",
        "Instagram wants to confirm that it is really the library using {user} (a security "
        "check), so it refused {action}. Open Instagram as {user} on the library's phone or "
        "in a browser, confirm it was you, then store a new session ({docs})."),
    "igp.password_refused": (
        "Instagram menolak memasukkan {user} lagi dengan kata sandi tersimpan: {said}. Simpan "
        "sesi baru ({docs}).",
        "Instagram refused to sign {user} in again with the stored password: {said}. Store a "
        "new session ({docs})."),
    "igp.signed_out": (
        "Sesi Instagram {user} sudah berakhir (Instagram mengeluarkannya), jadi {action} "
        "ditolak. Simpan sesi baru ({docs}).",
        "The Instagram session of {user} has ended (Instagram signed it out), so {action} was "
        "refused. Store a new session ({docs})."),
    "igp.blocked": (
        "Instagram untuk sementara memblokir {user} dari tindakan ini (\"Action Blocked\"): "
        "{said} Penerbitan berhenti 24 jam; menerbitkan secara manual selama itu dapat "
        "memperpanjangnya.",
        "Instagram has temporarily blocked {user} from this (\"Action Blocked\"): {said} "
        "Publishing pauses for 24 hours; posting by hand meanwhile can make it last longer."),
    "igp.wait": ("Instagram meminta {user} menunggu sebelum permintaan berikutnya; penerbitan "
                 "menunggu {minutes} menit.",
                 "Instagram asks {user} to wait before more requests; publishing waits "
                 "{minutes} minutes."),
    "igp.sentry": (
        "Instagram menandai proses masuk {user} sebagai otomatis (sentry block); buka akunnya "
        "di aplikasi, lalu simpan sesi baru ({docs}).",
        "Instagram has flagged the sign-in of {user} as automated (sentry block); open the "
        "account in the app, then store a new session ({docs})."),
    "igp.forbidden": (
        "Instagram menolak {user} ({said}); periksa akunnya di aplikasi Instagram, lalu simpan "
        "sesi baru ({docs}).",
        "Instagram refused {user} ({said}); check the account in the Instagram app, then store "
        "a new session ({docs})."),
}

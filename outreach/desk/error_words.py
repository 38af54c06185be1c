"""What the desk refuses, in Bahasa Indonesia and English: one table of the sentences its errors
(QueueError, EditError, ReviewError, LibraryError, PreviewError, PrefillError, UserError) carry.

The errors keep their English message (the CLI prints it, logs and audit details keep it); a page
finds which sentence a message is and says it in its own language (`OutreachError.said`), as
platforms/reasons.py does for platform reasons. tests/test_error_words.py reads every `raise` of
these classes and fails when its sentence is missing here.

Some messages pass on another layer's sentence whole (an unknown platform, a schedule file that
cannot be read): those are in PASSED, tried when no desk sentence matches.
"""

from __future__ import annotations

from outreach.errors import Sentences

ERRORS: dict[str, tuple[str, str]] = {
    # -- queue.py: writing a post and acting on a delivery
    "no_text": ("Kiriman ini tidak berisi teks.", "The post has no text."),
    "no_platform": ("Sebutkan paling sedikit satu platform dengan --platform (x, facebook, "
                    "instagram).",
                    "Name at least one platform with --platform (x, facebook, instagram)."),
    "alt_count_cli": (
        "Setiap gambar perlu teks alternatif: {images} gambar tetapi {alts} --alt diberikan "
        "(dipasangkan menurut urutan).",
        "Every image needs its alt text: {images} image(s) but {alts} --alt given (they are "
        "matched in order)."),
    "alt_count": ("Setiap gambar perlu teks alternatif: {images} gambar tetapi {alts} teks "
                  "alternatif.",
                  "Every image needs its alt text: {images} image(s) but {alts} alt text(s)."),
    "no_image": ("Gambar tidak ditemukan: {path}", "Image not found: {path}"),
    "alt_empty": ("Teks alternatif untuk {path} kosong; jelaskan isi gambarnya.",
                  "The alt text for {path} is empty; describe the image."),
    "naive_time": ("Waktunya harus menyertakan zona waktu.", "The time must carry a time zone."),
    "new_naive_time": ("Waktu barunya harus menyertakan zona waktu.",
                       "The new time must carry a time zone."),
    "no_account": (
        "Belum ada akun {platform} yang tersambung. Sambungkan satu di antarmuka web atau atur "
        "kredensial OUTREACH_* miliknya (lihat .env.example).",
        "No {platform} account is connected. Connect one in the web UI or set its OUTREACH_* "
        "credentials (see .env.example)."),
    "limits": ("Kiriman melanggar batas platform:", "The post breaks the platforms' limits:"),
    "no_account_id": ("Tidak ada akun tersambung dengan id {id}.",
                      "No connected account with id {id}."),
    "unknown_status": ("Status {status} tidak dikenal; gunakan salah satu dari {known}.",
                       "Unknown status {status}; use one of {known}."),
    "no_delivery": ("Kiriman {id} tidak ada.", "There is no delivery {id}."),
    "not_retried": ("Kiriman {id} berstatus {status}; hanya kiriman berstatus {allowed} yang "
                    "dapat dicoba lagi.",
                    "Delivery {id} is {status}; only {allowed} can be retried."),
    "not_cancelled": ("Kiriman {id} berstatus {status} dan tidak dapat dibatalkan.",
                      "Delivery {id} is {status} and cannot be cancelled."),
    "already_published": ("Kiriman {id} sudah tercatat terbit.",
                          "Delivery {id} is already published."),
    "not_markable": ("Kiriman {id} berstatus {status}; hanya kiriman berstatus {allowed} yang "
                     "dapat dicatat sudah terbit.",
                     "Delivery {id} is {status}; only {allowed} deliveries can be marked "
                     "published."),
    "no_address": ("Isi alamat kiriman di platform, diawali https://.",
                   "Give the post's address on the platform, starting with https://."),
    "wrong_address": ("Alamatnya harus halaman kiriman {platform}, di {hosts}.",
                      "The address must be a {platform} post's page, on {hosts}."),
    # -- editing.py, moves.py, post_versions.py: changing what is queued
    "no_post": ("Unggahan {id} tidak ada.", "There is no post {id}."),
    "nothing_in_scope": ("Unggahan {id} tidak punya apa pun untuk diubah di {scope}.",
                         "Post {id} has nothing to change on {scope}."),
    "no_longer": ("Kiriman {id} ({platform}) tidak dapat diubah lagi.",
                  "Delivery {id} ({platform}) can no longer be changed."),
    "passed": ("Waktu barunya sudah lewat; pilih waktu yang akan datang.",
               "The new time has already passed; choose a time in the future."),
    "status_refuses": ("Kiriman {id} berstatus {status}; kiriman itu tidak dapat {what} lagi.",
                       "Delivery {id} is {status}; it can no longer be {what}."),
    "review_only": ("Kiriman {id} menunggu persetujuan manajer; hanya penulisnya atau manajer "
                    "yang dapat mengubahnya.",
                    "Delivery {id} waits for a manager's review; only its author or a manager "
                    "can change it."),
    # -- review.py: approving and sending back
    "too_late": ("Waktu unggahan ini {at}, sudah lewat lebih dari {hours} jam; pilih waktu baru "
                 "(atau terbitkan sekarang) untuk menyetujuinya.",
                 "The post was due at {at}, more than {hours} hours ago; choose a new time (or "
                 "publish now) to approve it."),
    "nothing_waiting": ("Unggahan {id} tidak punya kiriman yang menunggu persetujuan (mungkin "
                        "sudah diputuskan?).",
                        "Post {id} has nothing waiting for approval (already decided?)."),
    "own_post": ("Anda menulis unggahan {id}; manajer lain yang harus {what}.",
                 "You wrote post {id}; another manager must {what} it."),
    "past": ("Waktu barunya sudah lewat; pilih waktu mulai sekarang.",
             "The new time is in the past; choose a time from now on."),
    "no_reason": ("Tuliskan alasan unggahan ini dikembalikan: penulisnya akan membacanya.",
                  "Say why the post is sent back: the author reads the reason."),
    "long_reason": ("Alasannya terlalu panjang ({n} karakter, paling banyak {max}).",
                    "The reason is too long ({n} characters, at most {max})."),
    "not_author": ("Hanya penulis unggahan {id} atau manajer yang dapat mengirimnya lagi.",
                   "Only the author of post {id} or a manager can send it again."),
    "no_draft": ("Unggahan {id} tidak punya draf untuk dikirim ke persetujuan.",
                 "Post {id} has no draft to send for review."),
    # -- media_library.py
    "no_library_image": ("Gambar {id} tidak ada di pustaka media.",
                         "There is no library image {id}."),
    "alt_blank": ("Teks alternatif kosong; jelaskan isi gambarnya.",
                  "The alt text is empty; describe the image."),
    "alt_long": ("Teks alternatif lebih dari {max} karakter.",
                 "The alt text is longer than {max} characters."),
    # -- prefill.py: a post started from a title or an event
    "no_title": ("Judul {id} tidak ada.", "There is no title {id}."),
    "no_event": ("Acara {id} tidak ada.", "There is no event {id}."),
    "no_subject": ("Sebutkan judul atau acara sebagai awal.",
                   "Name a title or an event to start from."),
    # -- users.py
    "short_password": ("Kata sandi perlu paling sedikit {n} karakter.",
                       "The password needs at least {n} characters."),
    "not_email": ("'{email}' bukan alamat e-mail.", "'{email}' is not an e-mail address."),
    "unknown_role": ("Peran '{role}' tidak dikenal: gunakan salah satu dari {known}.",
                     "Unknown role '{role}': use one of {known}."),
    "user_exists": ("Pengguna dengan e-mail {email} sudah ada.",
                    "A user with the e-mail {email} already exists."),
    "last_admin": ("{email} adalah admin aktif terakhir; jadikan orang lain admin dulu.",
                   "{email} is the last active admin; make someone else admin first."),
}

# Sentences of other layers a desk error passes on whole.
PASSED: dict[str, tuple[str, str]] = {
    # outreach/platforms/__init__.py (UnknownPlatform, NotImplementedError)
    "unknown_platform": ("Platform {name} tidak dikenal: gunakan salah satu dari {known}.",
                         "Unknown platform {name}: use one of {known}."),
    "unknown_backend": ("Cara menghubungi {name} tidak dikenal: {backend} (yang dikenal: "
                        "{known}).",
                        "Unknown way of reaching {name}: {backend} (known: {known})."),
    "not_available": ("Penerbitan di {name} belum tersedia di versi ini.",
                      "Publishing on {name} is not available in this version yet."),
    # outreach/planning/schedule.py (ScheduleError)
    "no_schedule": ("Tidak ada berkas jadwal (*.yaml) di {folder}",
                    "No schedule files (*.yaml) in {folder}"),
    "bad_yaml": ("{path}: bukan YAML yang sah ({detail})", "{path}: not valid YAML ({detail})"),
    "not_mapping": ("{path}: bagian teratasnya harus berupa pemetaan pengaturan",
                    "{path}: expected a mapping of settings at the top level"),
    "bad_schedule": ("Jadwal di {folder} tidak sah:", "Schedule in {folder} is not valid:"),
}

# Words a sentence's placeholder holds: delivery statuses and what a refusal was about.
VALUES: dict[str, str] = {
    "draft": "draf", "pending_review": "menunggu persetujuan", "scheduled": "terjadwal",
    "publishing": "sedang diterbitkan", "retry_wait": "menunggu dicoba lagi",
    "published": "terbit", "unconfirmed": "belum pasti", "failed": "gagal", "held": "ditahan",
    "missed": "terlewat", "cancelled": "dibatalkan",
    "edited": "diubah", "moved": "dipindahkan",
    "approve": "menyetujuinya", "reject": "menolaknya",
    "all": "semua akun",
}

SENTENCES = Sentences(ERRORS, VALUES, inner=Sentences(PASSED))

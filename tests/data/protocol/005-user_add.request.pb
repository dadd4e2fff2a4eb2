corpus-v1-000005 "j9[>QΒ›γ5ΤώZέz=Θg@Ήώ«j›ϋ'KΆ"
wang	η‹η»η†"east*pw-wang
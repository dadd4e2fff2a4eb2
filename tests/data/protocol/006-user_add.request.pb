corpus-v1-000006 "j9[>QΒ›γ5ΤώZέz=Θg@Ήώ«j›ϋ'KΆ
temp"east*pw-temp
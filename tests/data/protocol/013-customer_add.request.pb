corpus-v1-000013 "j9[>QΒ›γ5ΤώZέz=Θg@Ήώ«j›ϋ'Kς
Acme Trading (HK)li
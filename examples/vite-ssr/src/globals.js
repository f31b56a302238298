export const siteName = 'Kida Shop';

export { openTestLibrary, type TestLibrary, type TestLibraryOptions } from './openTestLibrary.js';
